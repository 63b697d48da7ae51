/**
 * The sandboxes control plane: every pass it expires sandboxes past their time-to-live, takes the leases of the
 * sandboxes no live control plane holds, and moves each of its own one step towards what its row asks:
 *
 *   pending  → schema migrated, namespace objects made, scheduler started → ready (or failed, with the reason)
 *   ready    → scheduler kept running (restarted when it dies), put to sleep when idle, woken on a call, a DAG
 *              change or a run falling due
 *   deleting → scheduler stopped (its tasks cancelled), namespace deleted, schema dropped, queue keys removed,
 *              row deleted — each step idempotent, so a delete cut short is finished by the next pass
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { migrateToLatest, openMetastore, type Database } from '@windsock/metastore';
import { configToEnv, type Logger, type WindsockConfig } from '@windsock/config';
import type { SchedulerHost, SchedulerLaunch } from './host.ts';
import type { SandboxCluster } from './cluster.ts';
import type { SandboxRow } from './types.ts';
import { claimSandboxes, expireSandboxes, releaseLeases } from './sql/leases.ts';
import { removeSandboxRow, setSandboxState, type SandboxChange } from './sql/set-sandbox-state.ts';
import { sandboxActivity } from './sql/sandbox-activity.ts';
import { dropQueueSchema, dropSandboxSchema, removeQueueKeys } from './teardown.ts';
import { folderSignature, resolveDagFolder } from './folder.ts';
import { gitLaunchEnv, gitSourceOf, RemoteHeads } from './git-source.ts';
import { resolvedHostProblem } from '@windsock/dag-sources/host-check';
import { scopedCredentials, withUser, type SandboxCredentials } from './credentials.ts';
import { dropSandboxRole, ensureSandboxRole } from './sql/sandbox-role.ts';
import { dropRedisUser, ensureRedisUser } from './redis-user.ts';
import { postgresSchemaFor } from '@windsock/queue/options';

export interface ControllerOptions {
  /** The shared instance's metastore (the `sandbox` table; each sandbox's tables are read by schema). */
  db: Kysely<Database>;
  config: WindsockConfig;
  host: SchedulerHost;
  /** Namespace objects, when tasks or schedulers run on Kubernetes. */
  cluster: SandboxCluster | null;
  dagsRoot: string;
  logger: Logger;
  passMs?: number;
  leaseMs?: number;
  /** Restarts of a dying scheduler before its sandbox is failed. */
  maxRestarts?: number;
}

interface Memo { migrated: boolean; restarts: number; runningSince: number | null; signature: string | null; checkedAt: number }

export class SandboxController {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #o: Required<Pick<ControllerOptions, 'passMs' | 'leaseMs' | 'maxRestarts'>> & ControllerOptions;
  readonly #memo = new Map<string, Memo>();
  readonly #heads: RemoteHeads;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(o: ControllerOptions) {
    this.#o = { passMs: 1000, leaseMs: 30_000, maxRestarts: 3, ...o };
    this.#heads = new RemoteHeads(o.config.sandboxes, o.logger);
  }

  start(): void { this.#schedule(0); }

  /** Runs a pass soon (a sandbox was created, deleted or called while asleep). */
  poke(): void { if (!this.#stopped) this.#schedule(0); }

  /** One pass now (tests); resolves when it is done. */
  async pass(): Promise<void> {
    if (this.#running) { this.#again = true; return this.#running; }
    this.#running = this.#pass().finally(() => { this.#running = null; });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    await this.#o.host.close();
    await releaseLeases(this.#o.db, this.id).catch(() => {});
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.pass().catch((err: unknown) => this.#o.logger.error({ err }, 'sandbox control pass failed')).finally(() => {
        if (this.#again) { this.#again = false; this.#schedule(0); } else this.#schedule(this.#o.passMs);
      });
    }, ms);
    this.#timer.unref?.();
  }

  async #pass(): Promise<void> {
    const expired = await expireSandboxes(this.#o.db);
    for (const name of expired) this.#o.logger.info({ sandbox: name }, 'sandbox time-to-live expired: deleting it');
    const rows = await claimSandboxes(this.#o.db, this.id, this.#o.leaseMs);
    await Promise.all(rows.map((row) => this.#reconcile(row).catch(async (err: unknown) => {
      const reason = (err as Error).message;
      this.#o.logger.warn({ sandbox: row.name, err }, 'sandbox step failed; retrying next pass');
      if (row.status !== 'deleting' && row.reason !== reason) await this.#set(row, { reason });
    })));
  }

  #memoOf(name: string): Memo {
    let m = this.#memo.get(name);
    if (!m) this.#memo.set(name, (m = { migrated: false, restarts: 0, runningSince: null, signature: null, checkedAt: 0 }));
    return m;
  }

  #set(row: SandboxRow, c: SandboxChange) { return setSandboxState(this.#o.db, row.name, this.id, c); }

  async #reconcile(row: SandboxRow): Promise<void> {
    switch (row.status) {
      case 'deleting': return this.#teardown(row);
      case 'pending': return this.#provision(row);
      case 'ready': return this.#keep(row);
      case 'failed': { await this.#o.host.stop(row); return; }
      default: { const never: never = row.status; throw new Error(`unknown sandbox status ${String(never)}`); }
    }
  }

  /** The sandbox's own credentials, or null when `[sandboxes] scoped_credentials` is off. */
  #credentials(row: SandboxRow): SandboxCredentials | null {
    return scopedCredentials(this.#o.config, row);
  }

  /**
   * Before a scheduler starts: the schema migrated (by the control plane: a sandbox's role may not change tables),
   * and the sandbox's Postgres role and Redis user made, once per control plane.
   */
  async #prepare(row: SandboxRow, memo: Memo): Promise<void> {
    if (memo.migrated) return;
    const c = this.#o.config;
    const store = await openMetastore({ kind: 'postgres', url: c.database.url, schema: row.schema_name, poolSize: 1, applicationName: `windsock-sandbox-${row.name}` });
    try { await migrateToLatest(store.db); } finally { await store.close(); }
    const cred = this.#credentials(row);
    if (cred) {
      const queueSchema = c.queue.backend === 'postgres' ? postgresSchemaFor(row.queue_prefix) : null;
      try {
        await ensureSandboxRole(this.#o.db, { role: cred.dbRole, password: cred.dbPassword, schema: row.schema_name, queueSchema, connectionLimit: 16 });
      } catch (err) {
        throw new Error(`cannot give the sandbox a database role of its own (${(err as Error).message}); the platform's database user needs CREATEROLE, or set [sandboxes] scoped_credentials = false`, { cause: err });
      }
      if (c.queue.backend === 'redis') {
        try {
          await ensureRedisUser(c.queue.redis_url, cred.redisUser, cred.redisPassword, row.queue_prefix);
        } catch (err) {
          throw new Error(`cannot give the sandbox a Redis user of its own (${(err as Error).message}); Redis 6+ and a platform user allowed ACL SETUSER are needed, or set [sandboxes] scoped_credentials = false`, { cause: err });
        }
      }
    }
    memo.migrated = true;
  }

  #launch(row: SandboxRow): SchedulerLaunch {
    const c = this.#o.config;
    const cred = this.#credentials(row);
    const git = gitSourceOf(row);
    // A git source: the scheduler fetches the branch itself (a pod cannot see this disk); a folder: the path.
    const source = git ? gitLaunchEnv(git, c.sandboxes) : { WINDSOCK__CORE__DAGS_FOLDER: this.#folderOf(row) };
    return { env: {
      // The platform's own settings (executor, Kubernetes, worker…), then what makes this instance the sandbox.
      // Never the platform's [dag_sources]: a sandbox reads its own source only.
      ...configToEnv(c, ['api_auth', 'sandboxes', 'webserver', 'dag_sources']), ...source,
      // Its own credentials: a role that sees its schema only, a Redis user its prefix only, a key of its own.
      WINDSOCK__DATABASE__URL: cred ? withUser(c.database.url, cred.dbRole, cred.dbPassword) : c.database.url,
      WINDSOCK__DATABASE__SCHEMA: row.schema_name, WINDSOCK__DATABASE__POOL_SIZE: '4',
      WINDSOCK__QUEUE__PREFIX: row.queue_prefix, WINDSOCK__QUEUE__BACKEND: c.queue.backend,
      WINDSOCK__QUEUE__REDIS_URL: cred && c.queue.backend === 'redis' ? withUser(c.queue.redis_url, cred.redisUser, cred.redisPassword) : c.queue.redis_url,
      WINDSOCK__KUBERNETES__NAMESPACE: row.namespace, WINDSOCK__KUBERNETES__NAMESPACE_LOCKED: 'true',
      WINDSOCK__CORE__FERNET_KEY: cred ? cred.fernetKey : c.core.fernet_key,
      WINDSOCK__SCHEDULER__HEALTH_CHECK_PORT: '0', WINDSOCK__WORKER__HEALTH_CHECK_PORT: '0', WINDSOCK_SANDBOX: row.name,
      // A sandbox's scheduler stops to sleep (nothing runs then) or to be deleted (what runs is cancelled): no grace.
      WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '2', WINDSOCK__LOGGING__LEVEL: c.logging.level,
      // Idle is the normal state of a sandbox: its parser and template interpreters go soon after their last use.
      WINDSOCK__DAG_PROCESSOR__PARSER_IDLE_RELEASE_SEC: '5', WINDSOCK__WORKER__TEMPLATE_IDLE_RELEASE_SEC: '10',
      // Nothing scrapes a sandbox (its health port is an ephemeral one on 127.0.0.1, or a pod no monitor selects),
      // so no Prometheus registry (~9 MiB of an idle scheduler); its metrics go out by StatsD, when the platform
      // sends them, each tagged with the sandbox's name: the cost per user.
      WINDSOCK__METRICS__PROMETHEUS_ON: 'false',
    } };
  }

  #folderOf(row: SandboxRow): string {
    const folder = (row.dag_source as { folder?: string }).folder;
    if (folder === undefined) throw new Error('this sandbox\'s DAG source is neither a folder nor a git branch');
    const where = resolveDagFolder(this.#o.dagsRoot, folder, row.owner, true);
    if ('error' in where) throw new Error(where.error);
    return where.path;
  }

  async #provision(row: SandboxRow): Promise<void> {
    const memo = this.#memoOf(row.name);
    // A git host the platform does not allow (checked at create too; the list or the name's address may change).
    const git = gitSourceOf(row);
    const hostProblem = git ? await resolvedHostProblem(git.url, this.#o.config.sandboxes.git_allowed_hosts) : null;
    if (hostProblem) return this.#fail(row, `dag_source.git.url: ${hostProblem}`);
    await this.#prepare(row, memo);
    await this.#o.cluster?.ensure(row);
    // A scheduler that already exited (a failed first clone exits within seconds) fails the sandbox: not restarted.
    const before = await this.#o.host.state(row);
    if (before.state === 'failed') return this.#fail(row, before.reason);
    await this.#o.host.ensure(row, this.#launch(row));
    const st = await this.#o.host.state(row);
    if (st.state === 'running') {
      memo.runningSince = Date.now();
      await this.#set(row, { status: 'ready', reason: null, scheduler: 'running', ready: true, clearWake: true });
      this.#o.logger.info({ sandbox: row.name, owner: row.owner, ms: Date.now() - new Date(row.created_at).getTime() }, 'sandbox ready');
    } else if (st.state === 'failed') {
      await this.#fail(row, st.reason);
    } else if (Date.now() - new Date(row.created_at).getTime() > this.#o.config.sandboxes.start_timeout_sec * 1000) {
      await this.#fail(row, `the scheduler did not start within ${this.#o.config.sandboxes.start_timeout_sec} s`);
    }
  }

  async #fail(row: SandboxRow, reason: string): Promise<void> {
    await this.#o.host.stop(row);
    await this.#set(row, { status: 'failed', reason, scheduler: 'stopped' });
    this.#o.logger.warn({ sandbox: row.name, reason }, 'sandbox failed');
  }

  async #keep(row: SandboxRow): Promise<void> {
    const memo = this.#memoOf(row.name);
    if (row.scheduler === 'asleep') return this.#maybeWake(row, memo);
    const st = await this.#o.host.state(row);
    if (st.state === 'absent' || st.state === 'failed') {
      // A scheduler that died (or was hosted by a control plane now gone) is started again, a few times.
      if (st.state === 'failed' && ++memo.restarts > this.#o.maxRestarts) return this.#fail(row, st.reason);
      await this.#prepare(row, memo);
      await this.#o.host.ensure(row, this.#launch(row));
      memo.runningSince = null;
      if (row.scheduler !== 'starting') await this.#set(row, { scheduler: 'starting' });
      return;
    }
    if (st.state === 'starting') return;
    memo.runningSince ??= Date.now();
    if (row.scheduler !== 'running') await this.#set(row, { scheduler: 'running', clearWake: true });
    await this.#maybeSleep(row, memo);
  }

  async #maybeSleep(row: SandboxRow, memo: Memo): Promise<void> {
    const idleMs = this.#o.config.sandboxes.idle_sleep_sec * 1000;
    const now = Date.now();
    if (idleMs <= 0 || now - new Date(row.last_active_at).getTime() < idleMs || now - (memo.runningSince ?? now) < idleMs) return;
    if (now - memo.checkedAt < Math.min(idleMs, 10_000)) return;
    memo.checkedAt = now;
    const a = await sandboxActivity(this.#o.db, row.schema_name);
    if (a.busy || (a.nextDueAt && a.nextDueAt.getTime() - now < idleMs)) return;
    memo.signature = await this.#signature(row);
    await this.#o.host.stop(row);
    memo.runningSince = null;
    await this.#set(row, { scheduler: 'asleep', clearWake: true });
    this.#o.logger.info({ sandbox: row.name }, 'sandbox idle: scheduler stopped until the next call, DAG change or due run');
  }

  /** What changes when the sandbox's DAGs do: its branch's head on the server, or its folder's files. */
  async #signature(row: SandboxRow): Promise<string | null> {
    const git = gitSourceOf(row);
    if (git) return this.#heads.head(row.name, git);
    const folder = (row.dag_source as { folder?: string }).folder;
    if (folder === undefined) return null;
    const where = resolveDagFolder(this.#o.dagsRoot, folder, row.owner, true);
    return 'path' in where ? folderSignature(where.path) : null;
  }

  async #maybeWake(row: SandboxRow, memo: Memo): Promise<void> {
    const now = Date.now();
    let why: string | null = row.wake_requested_at ? 'an API call' : null;
    if (!why && now - memo.checkedAt >= 5000) {
      memo.checkedAt = now;
      const sig = await this.#signature(row);
      if (memo.signature !== null && sig !== memo.signature) why = 'a DAG change';
      else if (memo.signature === null) memo.signature = sig;
      const a = why ? null : await sandboxActivity(this.#o.db, row.schema_name);
      if (a && (a.busy || (a.nextDueAt && a.nextDueAt.getTime() <= now + this.#o.passMs))) why = a.busy ? 'work waiting' : 'a run falling due';
    }
    if (!why) return;
    await this.#prepare(row, memo);
    await this.#o.host.ensure(row, this.#launch(row));
    await this.#set(row, { scheduler: 'starting', clearWake: true });
    this.#o.logger.info({ sandbox: row.name, why }, 'sandbox woken');
  }

  async #teardown(row: SandboxRow): Promise<void> {
    await this.#o.host.stop(row);
    if (this.#o.cluster && !(await this.#o.cluster.teardown(row))) return; // the namespace is going: next pass
    const c = this.#o.config;
    const cred = this.#credentials(row);
    // The role first (it ends the sessions that could still write), then what it could reach.
    if (cred) await dropSandboxRole(this.#o.db, cred.dbRole);
    await dropSandboxSchema(this.#o.db, row.schema_name);
    if (c.queue.backend === 'postgres') await dropQueueSchema(this.#o.db, postgresSchemaFor(row.queue_prefix));
    if (c.queue.backend === 'redis') {
      if (cred) await dropRedisUser(c.queue.redis_url, cred.redisUser);
      await removeQueueKeys(c.queue.redis_url, row.queue_prefix);
    }
    if (await removeSandboxRow(this.#o.db, row.name, this.id)) {
      this.#memo.delete(row.name);
      this.#heads.forget(row.name);
      this.#o.logger.info({ sandbox: row.name, reason: row.reason }, 'sandbox deleted');
    }
  }
}
