/**
 * The sandboxes control plane in a `windsock standalone` or `windsock webserver` process: the reconcile loop
 * (apps/sandboxes), the host of the sandboxes' schedulers (child processes, or Deployments on Kubernetes), and what
 * the webserver needs to serve the sandboxes. Sandboxes live in schemas of a Postgres server, so on the embedded
 * database the API says so instead of creating any.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { LocalEventBus, RedisEventBus, type EventBus } from '@windsock/queue';
import type { Logger, WindsockConfig } from '@windsock/config';
import type { WebserverOptions } from '@windsock/webserver';
import type { SandboxController } from '@windsock/sandboxes';
import { SANDBOX_SCHEDULER_V8_FLAGS } from '../v8-flags.ts';

const CLI_BIN = fileURLToPath(new URL('../../bin/windsock.js', import.meta.url));

export interface ControlPlane { web: NonNullable<WebserverOptions['sandboxes']>; stop(): Promise<void> }

export async function startControlPlane(o: { config: WindsockConfig; db: Kysely<Database>; home: string; logger: Logger }): Promise<ControlPlane> {
  const { config, logger } = o;
  const dagsRoot = config.sandboxes.dags_root || join(o.home, 'sandbox-dags');
  mkdirSync(dagsRoot, { recursive: true });
  const events = (prefix: string): EventBus => (config.queue.backend === 'redis' ? new RedisEventBus({ redisUrl: config.queue.redis_url, prefix, logger }) : new LocalEventBus());
  if (!config.database.url) {
    const unavailable = 'sandboxes need a Postgres server (each is a schema of it): set WINDSOCK__DATABASE__URL, and Redis at WINDSOCK__QUEUE__REDIS_URL';
    return { web: { unavailable, dagsRoot, events, onChange: () => {} }, stop: async () => {} };
  }
  const sb = await import('@windsock/sandboxes');
  const needsCluster = config.core.executor === 'kubernetes' || config.sandboxes.runtime === 'kubernetes';
  const kc = needsCluster ? (await import('@windsock/executors')).loadDefaultKubeConfig() : null;
  const host = config.sandboxes.runtime === 'kubernetes'
    ? new sb.KubernetesHost(kc!, config, o.db)
    : new sb.ProcessHost({ command: [process.execPath, ...SANDBOX_SCHEDULER_V8_FLAGS, CLI_BIN, 'sandbox-scheduler'], baseEnv: process.env, stateDir: join(o.home, 'sandboxes'), logger, onChange: () => controller.poke() });
  const controller: SandboxController = new sb.SandboxController({ db: o.db, config, host, cluster: kc ? new sb.SandboxCluster(kc, config.sandboxes) : null, dagsRoot, logger });
  controller.start();
  logger.info({ runtime: config.sandboxes.runtime, dags_root: dagsRoot, controller: controller.id }, 'sandboxes control plane started');
  return { web: { unavailable: null, dagsRoot, events, onChange: () => controller.poke() }, stop: () => controller.stop() };
}
