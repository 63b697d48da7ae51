import { describe, expect, it } from 'vitest';
import { databaseOf, sandboxCredentials, withUser } from './credentials.ts';
import { redisUserRules } from './redis-user.ts';

const row = { name: 'alice-dev', created_at: '2026-12-01T10:00:00Z', queue_prefix: 'windsock-sb-alice-dev' };

describe('sandbox credentials', () => {
  it('are derived: the same for the same sandbox, different for another, a recreated one, or another key', () => {
    const a = sandboxCredentials('key-1', row, 'prod');
    expect(sandboxCredentials('key-1', { ...row }, 'prod')).toEqual(a);
    expect(a.dbRole).toMatch(/^wsb_[0-9a-f]{8}_alice_dev$/);
    expect(a.redisUser).toBe('windsock-sb-alice-dev');
    expect(a.fernetKey).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    const others = [
      sandboxCredentials('key-1', { ...row, name: 'bob-dev' }, 'prod'),
      sandboxCredentials('key-1', { ...row, created_at: '2026-12-01T10:00:01Z' }, 'prod'),
      sandboxCredentials('key-2', row, 'prod'),
    ];
    for (const o of others) for (const k of ['dbPassword', 'redisPassword', 'fernetKey'] as const) expect(o[k]).not.toBe(a[k]);
    // Two databases on one server: the roles (the server's) differ.
    expect(sandboxCredentials('key-1', row, 'staging').dbRole).not.toBe(a.dbRole);
  });

  it('need a platform key', () => {
    expect(() => sandboxCredentials('', row, 'prod')).toThrow(/fernet_key/);
  });

  it('replace the user of a URL, and name its database', () => {
    expect(withUser('postgres://postgres@db:5432/windsock?sslmode=require', 'wsb_1_a', 'ab12')).toBe('postgres://wsb_1_a:ab12@db:5432/windsock?sslmode=require');
    expect(withUser('redis://:old@redis:6379/2', 'p-sb-a', 'cd34')).toBe('redis://p-sb-a:cd34@redis:6379/2');
    expect(databaseOf('postgres://u@h/test')).toBe('test');
    expect(databaseOf('postgres://u@h')).toBe('u');
  });

  it('give the Redis user its prefix only, and no dangerous or admin command', () => {
    const rules = redisUserRules('windsock-sb-a', 'ab'.repeat(16));
    expect(rules).toEqual(expect.arrayContaining(['on', '~windsock-sb-a:*', '&windsock-sb-a:*', '-@dangerous', '-@admin']));
    expect(rules).not.toContain('~*');
    expect(() => redisUserRules('a b*', 'ab'.repeat(16))).toThrow();
    expect(() => redisUserRules('p', 'not hex')).toThrow();
  });
});
