/**
 * `windsock sandboxes …` checked against the DOCUMENTED CONTRACT of the control plane's sandbox API
 * (/api/windsock/v1/sandboxes: create → 201 pending → ready, 409 on a taken name, 404 for another user's,
 * 403 problems, delete → 202 deleting → 404, extend by_seconds), served by a contract-faithful fake
 * (test/support/fake-sandboxes.ts) on a real node:http server. The real API is being built in parallel; the
 * end-to-end test of these commands against the real control plane is to be written once both are merged.
 * The CLI runs as a real child process, piped and in a pseudo-terminal (`script`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startFakeControlPlane, type FakeControlPlane } from './support/fake-sandboxes.ts';
import { windsock, windsockInTerminal } from './support/cli-run.ts';

let cp: FakeControlPlane;
let env: Record<string, string>;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const ANSI = /\x1b\[[0-9;]*m/; // eslint-disable-line no-control-regex

beforeAll(async () => {
  cp = await startFakeControlPlane({ readyAfter: 3, goneAfter: 2 });
  const home = await mkdtemp(join(tmpdir(), 'windsock-cli-sb-'));
  env = { WINDSOCK_API_URL: cp.url, WINDSOCK_API_TOKEN: 'alice-token', WINDSOCK_CLI_POLL_MS: '150', HOME: home, WINDSOCK_CLI_CONFIG: join(home, 'cli.yaml') };
});
afterAll(async () => { await cp?.close(); });

const as = (token: string) => ({ ...env, WINDSOCK_API_TOKEN: token });

describe('windsock sandboxes (against the documented contract)', { timeout: 120_000 }, () => {
  it('create sends the contract\'s body, waits pending → ready with progress on stderr, prints the sandbox with absolute URLs', async () => {
    const r = await windsock(['sandboxes', 'create', 'alice-dev', '--dags', '/srv/dags', '--ttl', '8h', '--node-group', 'cpu_intensive_1',
      '--cpu', '4', '--memory', '8Gi', '--pods', '20', '--gpu', '0', '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const post = cp.requests.find((q) => q.method === 'POST' && q.path === '/api/windsock/v1/sandboxes');
    expect(post?.body).toEqual({ name: 'alice-dev', dag_source: { folder: '/srv/dags' }, ttl_seconds: 28_800, node_group: 'cpu_intensive_1', quota: { cpu: '4', memory: '8Gi', pods: 20, gpu: 0 } });
    expect(post?.auth).toBe('Bearer alice-token');
    const sb = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(sb).toMatchObject({ name: 'alice-dev', owner: 'alice', status: 'ready', scheduler: 'running', api_url: `${cp.url}/sandboxes/alice-dev/api/v2`, ui_url: `${cp.url}/sandboxes/alice-dev/` });
    expect(cp.sandboxes.get('alice-dev')!.polls).toBe(3);
    // Piped: plain progress lines on stderr, no spinner, nothing of it on stdout.
    expect(r.stderr).toMatch(/^sandbox alice-dev: pending, scheduler starting \(\d+s\)$/m);
    expect(r.stderr).toMatch(/^sandbox alice-dev is ready \(\d+s\)$/m);
    expect(r.stderr).not.toMatch(SPINNER);
    expect(r.stdout).not.toContain('pending');
  });

  it('--git-url with --no-wait prints the pending sandbox at once; a taken name is 409, exit 1', async () => {
    const r = await windsock(['sandboxes', 'create', 'alice-git', '--git-url', 'https://git.example.com/dags.git', '--branch', 'dev', '--subdir', 'dags', '--no-wait', '-o', 'yaml'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(parseYaml(r.stdout)).toMatchObject({ name: 'alice-git', status: 'pending', dag_source: { git: { url: 'https://git.example.com/dags.git', branch: 'dev', subdir: 'dags' } } });
    expect(cp.sandboxes.get('alice-git')!.polls).toBe(0);
    expect(r.stderr).toBe('');
    const again = await windsock(['sandboxes', 'create', 'alice-git', '--dags', '/x', '--no-wait'], env);
    expect([again.code, again.stderr.trim()]).toEqual([1, 'windsock: Sandbox alice-git already exists']);
  });

  it('a sandbox not ready within --timeout is exit 1, saying how to look or wait longer', async () => {
    const r = await windsock(['sandboxes', 'create', 'slow-one', '--dags', '/x', '--timeout', '0.1'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('windsock: sandbox slow-one is still pending after 0.1 s: see windsock sandboxes get slow-one, or wait longer with --timeout');
    expect(r.stdout).toBe('');
    cp.sandboxes.delete('slow-one');
  });

  it('a sandbox that fails exits 1 with the reason', async () => {
    const r = await windsock(['sandboxes', 'create', 'broken-one', '--git-url', 'https://git.example.com/none.git'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('windsock: sandbox broken-one failed: git clone failed: repository not found');
  });

  it('403 shows the server\'s detail (exit 4); another user\'s sandbox is 404 (exit 3); no token is 401 (exit 4)', async () => {
    const f = await windsock(['sandboxes', 'create', 'for-bob', '--dags', '/x', '--owner', 'bob'], env);
    expect([f.code, f.stderr.trim()]).toEqual([4, 'windsock: permission denied: Only admins may create a sandbox for another user (bob)']);
    const n = await windsock(['sandboxes', 'get', 'alice-dev'], as('bob-token'));
    expect([n.code, n.stderr.trim()]).toEqual([3, 'windsock: Sandbox alice-dev not found']);
    const u = await windsock(['sandboxes', 'list'], { ...env, WINDSOCK_API_TOKEN: '' });
    expect(u.code).toBe(4);
    expect(u.stderr).toContain('not logged in or the token expired: run windsock login');
  });

  it('list: json and yaml are the API document; table has the columns and fits COLUMNS; plain is tab-separated', async () => {
    const j = await windsock(['sandboxes', 'list', '-o', 'json'], env);
    const doc = JSON.parse(j.stdout) as { sandboxes: { name: string; ui_url: string }[]; total_entries: number };
    expect(doc.total_entries).toBe(3);
    expect(doc.sandboxes.map((s) => s.name).sort()).toEqual(['alice-dev', 'alice-git', 'broken-one']);
    const y = await windsock(['sandboxes', 'list', '--output', 'yaml'], env);
    expect(parseYaml(y.stdout)).toEqual(doc);
    const t = await windsock(['sandboxes', 'list'], { ...env, COLUMNS: '70' });
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^name +\| owner \| status +\| scheduler \| expires_at +\| ui_url/);
    expect(lines[1]).toMatch(/^=+\+=+/);
    expect(lines).toHaveLength(5);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(70);
    expect(t.stdout).toContain('…');
    expect(t.stdout).not.toMatch(ANSI);
    const p = await windsock(['sandboxes', 'list', '-o', 'plain'], env);
    const row = p.stdout.split('\n').find((l) => l.startsWith('alice-dev\t'))!.split('\t');
    expect(row).toEqual(['alice-dev', 'alice', 'ready', 'running', cp.sandboxes.get('alice-dev')!.expires_at, `${cp.url}/sandboxes/alice-dev/`]);
    const bad = await windsock(['sandboxes', 'list', '-o', 'xml'], env);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'windsock: --output must be one of table, json, yaml, plain (got "xml")']);
  });

  it('extend --by 2h posts by_seconds and prints the later expiry', async () => {
    const before = Date.parse(cp.sandboxes.get('alice-dev')!.expires_at!);
    const r = await windsock(['sandboxes', 'extend', 'alice-dev', '--by', '2h', '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(cp.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/windsock/v1/sandboxes/alice-dev/extend', body: { by_seconds: 7200 } });
    expect(Date.parse((JSON.parse(r.stdout) as { expires_at: string }).expires_at) - before).toBe(7200 * 1000);
    const bad = await windsock(['sandboxes', 'extend', 'alice-dev', '--by', 'soon'], env);
    expect(bad.code).toBe(2);
  });

  it('delete prints the deleting sandbox; delete --wait waits until it is gone, then get is 404', async () => {
    const d = await windsock(['sandboxes', 'delete', 'alice-git', '-o', 'json'], env);
    expect(JSON.parse(d.stdout)).toMatchObject({ name: 'alice-git', status: 'deleting' });
    const w = await windsock(['sandboxes', 'delete', 'broken-one', '--wait'], env);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toBe('Sandbox broken-one deleted\n');
    expect(w.stderr).toMatch(/^sandbox broken-one: deleting \(\d+s\)$/m);
    expect(cp.sandboxes.has('broken-one')).toBe(false);
    const g = await windsock(['sandboxes', 'get', 'broken-one'], env);
    expect(g.code).toBe(3);
  });
});

describe('on a terminal (pseudo-terminal) and piped', { timeout: 120_000 }, () => {
  it('a spinner with status and elapsed seconds on a terminal; none when piped', async () => {
    const t = await windsockInTerminal(['sandboxes', 'create', 'tty-dev', '--dags', '/srv/dags'], env);
    expect(t.code, t.output).toBe(0);
    expect(t.output).toMatch(new RegExp(`\\r\\x1b\\[K${SPINNER.source} sandbox tty-dev: pending, scheduler starting \\(\\d+s\\)`));
    expect(t.output).toMatch(/sandbox tty-dev is ready \(\d+s\)/);
    expect(t.output).toMatch(/ui_url +\| http:\/\/127\.0\.0\.1:\d+\/sandboxes\/tty-dev\//);
    expect(t.output).toMatch(/status +\| \x1b\[32mready/); // eslint-disable-line no-control-regex
    const p = await windsock(['sandboxes', 'create', 'pipe-dev', '--dags', '/srv/dags'], env);
    expect(p.code).toBe(0);
    expect(p.stderr + p.stdout).not.toMatch(SPINNER);
    expect(p.stderr).not.toContain('\r');
  });

  it('colours only on a terminal, and not with NO_COLOR', async () => {
    const t = await windsockInTerminal(['sandboxes', 'list'], env);
    expect(t.output).toMatch(ANSI);
    expect(t.output).toContain('\x1b[32mready');
    const n = await windsockInTerminal(['sandboxes', 'list'], { ...env, NO_COLOR: '1' });
    expect(n.output).toContain('ready');
    expect(n.output).not.toMatch(ANSI);
    const p = await windsock(['sandboxes', 'list'], env);
    expect(p.stdout).toContain('ready');
    expect(p.stdout).not.toMatch(ANSI);
  });

  it('the table fits the terminal\'s width', async () => {
    const t = await windsockInTerminal(['sandboxes', 'list'], env, 60);
    const lines = t.output.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/).filter((l) => l.includes('|')); // eslint-disable-line no-control-regex
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
    expect(t.output).toContain('…');
  });
});
