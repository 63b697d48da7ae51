/**
 * What the worker stores about a running try besides its state: the rendered template fields (masked) for the UI,
 * and the executor's external id (a pod's name) so another worker can adopt the try.
 * Guard: the task instance's id; the claim already made this worker the try's owner. Returns nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function storeRenderedFields(db: Kysely<Database>, tiId: string, fields: unknown): Promise<void> {
  await db.updateTable('task_instance').set({ rendered_fields: JSON.stringify(fields) }).where('id', '=', tiId).execute();
}

export async function storeExternalExecutorId(db: Kysely<Database>, tiId: string, externalId: string): Promise<void> {
  await db.updateTable('task_instance').set({ external_executor_id: externalId }).where('id', '=', tiId).execute();
}
