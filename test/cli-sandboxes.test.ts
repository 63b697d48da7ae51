/**
 * The sandboxes from a terminal, as a person drives them, against the real control plane (real Postgres, Redis and
 * sandbox scheduler processes): log in, create a sandbox and watch its progress in a pseudo-terminal, trigger a DAG
 * in it, follow a task's log, list, and delete it; another user is told it does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_PASSWORD, startPlatform, yamlChain, type Platform } from './support/platform.ts';
import { windsock, windsockInTerminal } from './support/cli-run.ts';

let p: Platform;
const envs: Record<string, Record<string, string>> = {};
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

beforeAll(async () => {
  p = await startPlatform({ users: { alice: 'User', bob: 'User' }, dags: { alice: { 'alice_chain.yaml': yamlChain('alice_chain', 'hello', 2) } } });
  for (const user of ['alice', 'bob']) {
    const home = await mkdtemp(join(tmpdir(), `ws-cli-${user}-`));
    envs[user] = { HOME: home, WINDSOCK_CLI_CONFIG: join(home, 'cli.yaml'), WINDSOCK_API_URL: '', WINDSOCK_API_TOKEN: '', WINDSOCK_CLI_POLL_MS: '200' };
    const r = await windsock(['login', '--api-url', p.web.url, '--username', user, '--password-stdin'], envs[user], `${PLATFORM_PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
}, 60_000);

afterAll(async () => { await p?.close(); });

describe('windsock sandboxes, end to end', { timeout: 240_000 }, () => {
  it('create shows progress on a terminal, then trigger, follow a log, list and delete', async () => {
    const c = await windsockInTerminal(['sandboxes', 'create', 'alice-dev', '--dags', 'alice/dags', '--ttl', '8h'], envs.alice);
    expect(c.code, c.output).toBe(0);
    expect(c.output).toMatch(SPINNER);
    expect(c.output).toContain('alice-dev');
    expect(c.output).toMatch(/ready/);
    expect(c.output).toContain(`${p.web.url}/sandboxes/alice-dev/api/v2`);

    const t = await windsock(['dags', 'trigger', 'alice_chain', '--sandbox', 'alice-dev', '-o', 'json'], envs.alice);
    expect(t.code, t.stderr).toBe(0);
    const run = JSON.parse(t.stdout) as { dag_run_id: string; dag_id: string };
    expect(run.dag_id).toBe('alice_chain');

    const logs = await windsock(['tasks', 'logs', 'alice_chain', run.dag_run_id, 'hello', '--follow', '--sandbox', 'alice-dev'], envs.alice);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello from alice_chain');
    expect(logs.stdout).toContain('done hello');
    expect(logs.stdout.split('hello from alice_chain').length).toBe(2); // each line once

    const list = await windsock(['sandboxes', 'list', '-o', 'json'], envs.alice);
    expect(JSON.parse(list.stdout).sandboxes.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([['alice-dev', 'ready']]);

    // Bob is told there is no such sandbox, and cannot trigger in it.
    const g = await windsock(['sandboxes', 'get', 'alice-dev'], envs.bob);
    expect([g.code, g.stderr.trim()]).toEqual([3, 'windsock: No sandbox named alice-dev']);
    expect((await windsock(['dags', 'trigger', 'alice_chain', '--sandbox', 'alice-dev'], envs.bob)).code).toBe(3);

    const d = await windsock(['sandboxes', 'delete', 'alice-dev', '--wait'], envs.alice);
    expect(d.code, d.stderr).toBe(0);
    expect((await windsock(['sandboxes', 'get', 'alice-dev'], envs.alice)).code).toBe(3);
    expect(await p.schemaExists('sb_alice_dev')).toBe(false);
  });
});
