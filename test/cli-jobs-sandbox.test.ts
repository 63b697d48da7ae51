/**
 * Jobs in a sandbox: `windsock jobs … --sandbox NAME` sends the job to that sandbox's own API
 * (`/sandboxes/<name>/api/windsock/v1/jobs`), where the sandbox's scheduler runs it; the shared instance never sees
 * it, and another user is told the sandbox does not exist. Real control plane, Postgres, Redis and sandbox
 * scheduler process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_PASSWORD, startPlatform, yamlChain, type Platform } from './support/platform.ts';
import { windsock } from './support/cli-run.ts';

let p: Platform;
const envs: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  p = await startPlatform({ users: { alice: 'User', bob: 'User' }, dags: { alice: { 'alice_chain.yaml': yamlChain('alice_chain', 'hello', 0) } } });
  for (const user of ['alice', 'bob']) {
    const home = await mkdtemp(join(tmpdir(), `ws-jobs-${user}-`));
    envs[user] = { HOME: home, WINDSOCK_CLI_CONFIG: join(home, 'cli.yaml'), WINDSOCK_API_URL: '', WINDSOCK_API_TOKEN: '', WINDSOCK_CLI_POLL_MS: '200' };
    const r = await windsock(['login', '--api-url', p.web.url, '--username', user, '--password-stdin'], envs[user], `${PLATFORM_PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
}, 60_000);

afterAll(async () => { await p?.close(); });

describe('windsock jobs --sandbox', { timeout: 240_000 }, () => {
  it('a job submitted to a sandbox runs there, is listed there only, and is hidden from others', async () => {
    const c = await windsock(['sandboxes', 'create', 'alice-jobs', '--dags', 'alice/dags'], envs.alice);
    expect(c.code, c.stderr).toBe(0);
    const r = await windsock(['jobs', 'submit', '--sandbox', 'alice-jobs', '--image-tag', 'team.demo.tools', '--cmd', 'echo "in the sandbox: $PLACE"', '--env', 'PLACE=alice-jobs', '--follow'], envs.alice);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('in the sandbox: alice-jobs');
    const id = /job (job_\S+) submitted/.exec(r.stderr)?.[1];
    expect(id).toBeDefined();
    const inside = await windsock(['jobs', 'list', '--sandbox', 'alice-jobs', '-o', 'json'], envs.alice);
    expect((JSON.parse(inside.stdout) as { jobs: Array<{ job_id: string; state: string }> }).jobs).toEqual([expect.objectContaining({ job_id: id, state: 'success' })]);
    const shared = await windsock(['jobs', 'list', '-o', 'json'], envs.alice);
    expect(shared.code, shared.stderr).toBe(0);
    expect((JSON.parse(shared.stdout) as { jobs: unknown[] }).jobs).toEqual([]);
    expect((await windsock(['jobs', 'get', id!], envs.alice)).code).toBe(3);
    const got = await windsock(['jobs', 'get', id!, '--sandbox', 'alice-jobs', '-o', 'json'], envs.alice);
    expect(JSON.parse(got.stdout)).toMatchObject({ job_id: id, owner: 'alice', ui_url: `${p.web.url}/sandboxes/alice-jobs/dags/windsock_jobs/runs/${id}/tasks/job` });
    const bob = await windsock(['jobs', 'get', id!, '--sandbox', 'alice-jobs'], envs.bob);
    expect([bob.code, bob.stderr.trim()]).toEqual([3, 'windsock: No sandbox named alice-jobs']);
    // The other remote verbs take --sandbox the same way: a variable and a pool set there live there only.
    expect((await windsock(['variables', 'set', 'region', 'eu-west-1', '--sandbox', 'alice-jobs'], envs.alice)).code).toBe(0);
    const v = await windsock(['variables', 'get', 'region', '--sandbox', 'alice-jobs'], envs.alice);
    expect([v.code, v.stdout.trim()]).toEqual([0, 'eu-west-1']);
    // On the shared instance Alice (a User) may not read variables at all (exit 4, the role named); not found there either way.
    const shared2 = await windsock(['variables', 'get', 'region'], envs.alice);
    expect([shared2.code, shared2.stdout]).toEqual([4, '']);
    expect(shared2.stderr).toMatch(/Role User may not read variable/);
    expect((await windsock(['pools', 'set', 'gpu', '2', 'sandbox GPUs', '--sandbox', 'alice-jobs'], envs.alice)).code).toBe(0);
    const pools = await windsock(['pools', 'list', '--sandbox', 'alice-jobs', '-o', 'json'], envs.alice);
    expect(pools.code, pools.stderr).toBe(0);
    expect(pools.stdout).toContain('"gpu"');
    const runs = await windsock(['runs', 'list', 'windsock_jobs', '--sandbox', 'alice-jobs', '-o', 'json'], envs.alice);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain(id!);
    const d = await windsock(['sandboxes', 'delete', 'alice-jobs', '--wait'], envs.alice);
    expect(d.code, d.stderr).toBe(0);
  });
});
