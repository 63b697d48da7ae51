/** Migrations: from two processes at once, and again, are harmless; `windsock db migrate` reports what it did. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { migrations } from '@windsock/migrations';
import { DATABASE_URL } from './support/db.ts';

const ROOT = resolve(import.meta.dirname, '..');
const name = `windsock_mig_${randomBytes(5).toString('hex')}`;
const url = (() => { const u = new URL(DATABASE_URL); u.pathname = `/${name}`; return u.toString(); })();

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try { await c.query(q); } finally { await c.end(); }
}

function migrate(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [join(ROOT, 'apps/cli/bin/windsock.js'), 'db', 'migrate'], { env: { ...process.env, WINDSOCK__DATABASE__URL: url }, timeout: 60_000 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

beforeAll(() => admin(`create database ${name}`));
afterAll(() => admin(`drop database if exists ${name} with (force)`));

it('two processes migrating an empty database at once, then a third, leave one complete schema', async () => {
  const [a, b] = await Promise.all([migrate(), migrate()]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const applied = [a.stdout, b.stdout].filter((s) => s.startsWith('Applied'));
  expect(applied).toHaveLength(1);
  expect(applied[0]).toContain(Object.keys(migrations).join(', '));
  const again = await migrate();
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('is up to date');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query('select name from kysely_migration order by name')).rows.map((r: { name: string }) => r.name);
    expect(rows).toEqual(Object.keys(migrations).sort());
    const pools = (await c.query('select pool, slots from slot_pool')).rows;
    expect(pools).toEqual([{ pool: 'default_pool', slots: 128 }]);
  } finally {
    await c.end();
  }
});

it('an unreachable database is a clear error, not a stack trace', async () => {
  const r = await new Promise<{ code: number; stderr: string }>((res) => {
    execFile(process.execPath, [join(ROOT, 'apps/cli/bin/windsock.js'), 'db', 'migrate'], { env: { ...process.env, WINDSOCK__DATABASE__URL: 'postgres://nobody:secret@127.0.0.1:1/nowhere' }, timeout: 60_000 },
      (err, _o, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }));
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/windsock: cannot reach Postgres at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/nowhere/);
  expect(r.stderr).not.toContain('secret');
});

it('an instance in its own schema ([database] schema) migrates there, even beside an instance in public', async () => {
  // public already holds a migrated instance (the test above); Kysely must not take its bookkeeping tables for these.
  const run = (schema: string) => new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(process.execPath, [join(ROOT, 'apps/cli/bin/windsock.js'), 'db', 'migrate'], { env: { ...process.env, WINDSOCK__DATABASE__URL: url, WINDSOCK__DATABASE__SCHEMA: schema }, timeout: 60_000 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  const first = await run('sandbox_a');
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Applied');
  expect((await run('sandbox_a')).stdout).toContain('is up to date');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query('select name from sandbox_a.kysely_migration order by name')).rows.map((r: { name: string }) => r.name);
    expect(rows).toEqual(Object.keys(migrations).sort());
    expect((await c.query('select pool from sandbox_a.slot_pool')).rows).toEqual([{ pool: 'default_pool' }]);
  } finally {
    await c.end();
  }
});
