/** What the webserver is built from, and the metastore tables only it uses (migration 0002). */
import type { Generated, Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import type { Logger, WindsockConfig } from '@windsock/config';
import type { ServingSecrets } from './secrets.ts';

export interface AbRoleTable { name: string; permissions: string[] }
export interface AbUserTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  role: string;
  password_hash: string;
  active: Generated<boolean>;
  created_on: Generated<Date>;
  last_login: Date | null;
}
export interface WebDatabase extends Database { ab_role: AbRoleTable; ab_user: AbUserTable }
export type WebDb = Kysely<WebDatabase>;

/** Everything a route needs, compiled once at start (options validated at the edge). */
export interface ApiContext {
  db: WebDb;
  events: EventBus;
  config: WindsockConfig;
  logger: Logger;
  fernetKey: string;
  version: string;
  /** Secrets to mask in what is served (buildServer makes one when not given). */
  secrets: ServingSecrets;
}

/** The signed-in principal of a request. */
export interface Principal { userId: number; username: string; role: string; permissions: ReadonlySet<string> }

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig {
    /** `action:resource` the caller's role must hold, e.g. `read:dag`; omitted only with `public: true`. */
    perm?: string;
    public?: boolean;
  }
}
