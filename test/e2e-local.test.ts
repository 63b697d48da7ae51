/**
 * End to end on one machine: the example DAGs run through DAG processor, scheduler, queue, worker and the local
 * executor, on real Postgres and on embedded PGlite, and end in the states Airflow would give them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { fernetEncrypt, generateFernetKey, openMetastore, migrateToLatest, type Metastore } from '@windsock/metastore';
import { Worker } from '@windsock/worker';
import { LocalExecutor } from '@windsock/executors';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';

const EXAMPLES = resolve(import.meta.dirname, '../examples/dags');

const backends: Array<[string, () => Promise<{ store: Metastore; cleanup: () => Promise<void> }>]> = [
  ['postgres', async () => {
    const tdb: TestDatabase = await freshDatabase();
    const store = await tdb.open();
    return { store, cleanup: async () => { await store.close(); await tdb.drop(); } };
  }],
  ['pglite', async () => {
    const store = await openMetastore({ kind: 'pglite', dataDir: null });
    await migrateToLatest(store.db);
    return { store, cleanup: () => store.close() };
  }],
];

describe.each(backends)('examples end to end on %s', (_name, open) => {
  let inst: TestInstance;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await open();
    cleanup = b.cleanup;
    inst = await startInstance({ store: b.store, dagsFolder: EXAMPLES });
  });
  afterAll(async () => { await inst?.stop(); await cleanup?.(); });

  it('parses every example without import errors', async () => {
    const errors = await inst.store.db.selectFrom('import_error').selectAll().execute();
    expect(errors).toEqual([]);
    const dags = await inst.store.db.selectFrom('dag').select('dag_id').orderBy('dag_id').execute();
    expect(dags.map((d) => d.dag_id)).toEqual(['example_chain', 'example_fan_out_fan_in', 'example_k8s', 'example_platform_k8s',
      'example_retries', 'example_spark', 'example_task_group_loop', 'example_taskflow', 'example_trigger_rules']);
  });

  it('downstream of a failure: all_done runs, one_failed runs, none_failed_min_one_success is upstream_failed; the run fails', async () => {
    const r = await inst.runDag('example_trigger_rules');
    expect(r.state).toBe('failed');
    const s = await inst.tiStates(r.dagRunId);
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]))).toEqual({
      prepare: 'success', fails: 'failed', cleanup: 'success', alert: 'success', report: 'upstream_failed',
    });
    const failLog = await logOf(inst, r.dagRunId, 'fails', 1);
    expect(failLog).toContain('about to fail');
    expect(failLog).toContain('Command exited with return code 3');
  });

  it('a flaky task is retried after its retry_delay and succeeds on try 2; both tries and logs are kept', async () => {
    const started = Date.now();
    const r = await inst.runDag('example_retries');
    expect(r.state).toBe('success');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // retry_delay: 2 s
    const s = await inst.tiStates(r.dagRunId);
    expect(s.flaky).toEqual({ state: 'success', try_number: 2 });
    expect(s.after).toEqual({ state: 'success', try_number: 1 });
    expect(await logOf(inst, r.dagRunId, 'flaky', 1)).toContain('the service is not ready yet');
    expect(await logOf(inst, r.dagRunId, 'flaky', 2)).toContain('worked on try 2');
    const tries = await inst.store.db.selectFrom('task_instance_history').select(['try_number', 'state'])
      .where('run_id', '=', r.runId).where('task_id', '=', 'flaky').orderBy('try_number').execute();
    expect(tries).toEqual([{ try_number: 1, state: 'up_for_retry' }, { try_number: 2, state: 'success' }]);
  });

  it('renders templates, passes XCom return values and runs container commands locally', async () => {
    const r = await inst.runDag('example_chain', { logicalDate: new Date('2024-03-05T00:00:00Z') });
    expect(r.state).toBe('success');
    expect(await logOf(inst, r.dagRunId, 'extract', 1)).toContain('extracting data for 2024-03-05');
    expect(await logOf(inst, r.dagRunId, 'transform', 1)).toContain(`transforming 20240305 in run ${r.runId}`);
    const x = await inst.store.db.selectFrom('xcom').select(['key', 'value']).where('dag_run_id', '=', r.dagRunId).where('task_id', '=', 'load').executeTakeFirst();
    expect(x).toEqual({ key: 'return_value', value: { rows: 42 } });
    const k = await inst.runDag('example_k8s');
    expect(k.state).toBe('success');
    const log = await logOf(inst, k.dagRunId, 'features', 1);
    expect(log).toContain('building features for dev');
    expect(log).toContain('is not used');
  });

  it('runs Python DAG files: TaskFlow values travel between tasks as XComs, task groups built in loops run', async () => {
    const r = await inst.runDag('example_taskflow', { logicalDate: new Date('2024-04-01T00:00:00Z') });
    expect(r.state).toBe('success');
    const x = await inst.store.db.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', r.dagRunId).orderBy('task_id').execute();
    expect(x).toEqual([{ task_id: 'extract', value: { orders: [12, 30, 7], currency: 'EUR' } }, { task_id: 'report', value: 'total=49' }, { task_id: 'total', value: 49 }]);
    expect(await logOf(inst, r.dagRunId, 'report', 1)).toContain('2024-04-01: total 49');
    const g = await inst.runDag('example_task_group_loop');
    expect(g.state).toBe('success');
    expect(Object.keys(await inst.tiStates(g.dagRunId)).sort()).toEqual(['end', 'regions.extract_amer', 'regions.extract_apac', 'regions.extract_emea', 'start']);
  });
});

async function logOf(inst: TestInstance, dagRunId: number, taskId: string, tryNumber: number): Promise<string> {
  const ti = await inst.store.db.selectFrom('task_instance').select('id').where('dag_run_id', '=', dagRunId).where('task_id', '=', taskId).executeTakeFirstOrThrow();
  const rows = await inst.store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', ti.id).where('try_number', '=', tryNumber).orderBy('id').execute();
  return rows.map((r) => r.chunk).join('');
}

describe('templates reach variables and connections', () => {
  it('renders var.value, var.json and conn.<id> with the secret decrypted', async () => {
    const tdb = await freshDatabase();
    const store = await tdb.open();
    const key = generateFernetKey();
    await store.db.insertInto('variable').values([{ key: 'bucket', val: 's3://data' }, { key: 'cfg', val: '{"region": "eu-west-1"}' }]).execute();
    await store.db.insertInto('connection').values({ conn_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', login: 'etl', password: fernetEncrypt(key, 'hunter2'), is_encrypted: true, port: 5432 }).execute();
    const folder = await dagFolder({ 'v.yaml': `v:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.bash.BashOperator\n      bash_command: 'echo {{ var.value.bucket }} {{ var.json.cfg.region }} {{ conn.warehouse.login }}@{{ conn.warehouse.host }}:{{ conn.warehouse.port }} {{ conn.warehouse.password | length }}'\n` });
    const inst = await startInstance({ store, dagsFolder: folder, workers: 0 });
    const worker = new Worker({ db: store.db, queue: inst.queue, events: inst.events, executor: new LocalExecutor(), fernetKey: key });
    worker.start();
    try {
      const r = await inst.runDag('v');
      expect(r.state).toBe('success');
      const log = await logOf(inst, r.dagRunId, 't', 1);
      expect(log).toContain('s3://data eu-west-1 etl@db.internal:5432 7');
    } finally {
      await worker.stop({ drain: false });
      await inst.stop();
      await store.close();
      await tdb.drop();
    }
  });
});
