/**
 * 0006 — task_reschedule (Airflow's table of the same name): one row per poke of a reschedule-mode sensor that
 * ended its try `up_for_reschedule`, with the try's start and the date of the next poke. The try number does not
 * grow across reschedules; the sensor's timeout counts from the first row's start_date.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('task_reschedule')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_instance_id', 'uuid', (c) => c.notNull().references('task_instance.id').onDelete('cascade'))
    .addColumn('try_number', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'timestamptz', (c) => c.notNull())
    .addColumn('end_date', 'timestamptz', (c) => c.notNull())
    .addColumn('duration', 'double precision', (c) => c.notNull())
    .addColumn('reschedule_date', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('task_reschedule_ti_try').on('task_reschedule').columns(['task_instance_id', 'try_number']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_reschedule').execute();
}
