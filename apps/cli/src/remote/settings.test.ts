import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSandboxName, cliFilePath, readCliFile, resolveTarget, writeCliFile } from './settings.ts';
import { SANDBOX_NAME } from '@windsock/sandboxes/store';

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'windsock-cli-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('the CLI file', () => {
  it('is $WINDSOCK_CLI_CONFIG, else $XDG_CONFIG_HOME/windsock/cli.yaml, else ~/.config/windsock/cli.yaml', () => {
    expect(cliFilePath({ WINDSOCK_CLI_CONFIG: '/etc/w.yaml', XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/etc/w.yaml');
    expect(cliFilePath({ XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/x/windsock/cli.yaml');
    expect(cliFilePath({ HOME: '/home/a' })).toBe('/home/a/.config/windsock/cli.yaml');
    // Never the server's settings file.
    expect(cliFilePath({ WINDSOCK_CONFIG: '/srv/windsock.yaml', HOME: '/home/a' })).toBe('/home/a/.config/windsock/cli.yaml');
  });

  it('is written with mode 0600 in a 0700 folder, and read back', () => {
    const path = join(tmp(), 'deep', 'windsock', 'cli.yaml');
    const old = process.umask(0o000); // the most permissive umask must not widen it
    try { writeCliFile(path, { api_url: 'http://h:8080', token: 't0k', username: 'alice' }); } finally { process.umask(old); }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readCliFile(path)).toEqual({ api_url: 'http://h:8080', token: 't0k', username: 'alice' });
    // Rewriting an existing file keeps it private.
    chmodSync(path, 0o600);
    writeCliFile(path, { api_url: 'http://h:8080' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a token others may read (exit 2, says chmod 600); without a token the mode does not matter', () => {
    const path = join(tmp(), 'cli.yaml');
    writeFileSync(path, 'api_url: http://h\ntoken: secret\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    let err: (Error & { exitCode?: number }) | undefined;
    try { readCliFile(path); } catch (e) { err = e as Error & { exitCode?: number }; }
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toContain(`chmod 600 ${path}`);
    expect(err?.message).toContain('0644');
    writeFileSync(path, 'api_url: http://h\n');
    expect(readCliFile(path)).toEqual({ api_url: 'http://h' });
    expect(readCliFile(join(tmp(), 'none.yaml'))).toEqual({});
  });
});

describe('resolveTarget', () => {
  const withFile = (content: Record<string, unknown>) => {
    const path = join(tmp(), 'cli.yaml');
    writeCliFile(path, content);
    return { WINDSOCK_CLI_CONFIG: path } as NodeJS.ProcessEnv;
  };

  it('flags win over the environment, the environment over the file', () => {
    const env = withFile({ api_url: 'http://file:1', token: 'file-token' });
    expect(resolveTarget({}, env)).toMatchObject({ apiUrl: 'http://file:1', base: 'http://file:1', token: 'file-token', tokenFrom: 'file' });
    const e2 = { ...env, WINDSOCK_API_URL: 'http://env:2/', WINDSOCK_API_TOKEN: 'env-token' };
    expect(resolveTarget({}, e2)).toMatchObject({ apiUrl: 'http://env:2', token: 'env-token', tokenFrom: 'env' });
    expect(resolveTarget({ apiUrl: 'http://flag:3', token: 'flag-token' }, e2)).toMatchObject({ apiUrl: 'http://flag:3', token: 'flag-token', tokenFrom: 'flag' });
  });

  it('flags and environment giving URL and token leave the file unread (even one others may read)', () => {
    const path = join(tmp(), 'cli.yaml');
    writeFileSync(path, 'api_url: http://h\ntoken: secret\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(resolveTarget({ apiUrl: 'http://ci:1', token: 'ci' }, { WINDSOCK_CLI_CONFIG: path })).toMatchObject({ token: 'ci', tokenFrom: 'flag' });
    expect(() => resolveTarget({ apiUrl: 'http://ci:1' }, { WINDSOCK_CLI_CONFIG: path })).toThrow(/chmod 600/);
  });

  it('never sends a saved token to another server than the one it was saved for', () => {
    const env = withFile({ api_url: 'http://file:1', token: 'file-token' });
    expect(resolveTarget({ apiUrl: 'http://other:9' }, env)).toMatchObject({ token: null, tokenFrom: null });
  });

  it('--sandbox (or WINDSOCK_SANDBOX) moves the base under /sandboxes/NAME and picks that sandbox\'s token', () => {
    const env = withFile({ api_url: 'http://w', token: 'main', sandboxes: { 'alice-dev': { token: 'sb' } } });
    expect(resolveTarget({ sandbox: 'alice-dev' }, env)).toMatchObject({ base: 'http://w/sandboxes/alice-dev', apiUrl: 'http://w', token: 'sb', sandbox: 'alice-dev' });
    expect(resolveTarget({}, { ...env, WINDSOCK_SANDBOX: 'bob-dev' })).toMatchObject({ base: 'http://w/sandboxes/bob-dev', token: 'main' });
    expect(() => resolveTarget({ sandbox: '../admin' }, env)).toThrow(/sandbox names/);
  });

  it('no URL anywhere, or a bad one, is a usage error saying where to set it', () => {
    const env = { WINDSOCK_CLI_CONFIG: join(tmp(), 'none.yaml') };
    expect(() => resolveTarget({}, env)).toThrow(/pass --api-url URL, set WINDSOCK_API_URL/);
    let err: (Error & { exitCode?: number }) | undefined;
    try { resolveTarget({ apiUrl: 'ftp://x' }, env); } catch (e) { err = e as Error & { exitCode?: number }; }
    expect(err?.exitCode).toBe(2);
  });
});

describe('checkSandboxName', () => {
  it('takes exactly the names the server takes', () => {
    for (const name of ['a', 'alice-dev', 'a'.repeat(40), 'x1', 'a'.repeat(41), '1abc', 'abc-', 'Abc', 'a_b', '', 'a'.repeat(63)]) {
      const cli = (() => { try { checkSandboxName(name); return true; } catch { return false; } })();
      expect(cli, name).toBe(SANDBOX_NAME.test(name));
    }
  });
});
