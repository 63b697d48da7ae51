/** The migrations, in order. Numbered and forward-only: never edit one that has shipped; add the next. */
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_core.ts';
import * as m0002 from './0002_users.ts';
import * as m0003 from './0003_scheduled_priority.ts';
import * as m0004 from './0004_sandboxes.ts';
import * as m0005 from './0005_jobs.ts';
import * as m0006 from './0006_task_reschedule.ts';
import * as m0007 from './0007_dag_sources.ts';

export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_users': m0002,
  '0003_scheduled_priority': m0003,
  '0004_sandboxes': m0004,
  '0005_jobs': m0005,
  '0006_task_reschedule': m0006,
  '0007_dag_sources': m0007,
};
