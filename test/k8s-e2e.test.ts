/**
 * End to end with the kubernetes executor: DAG processor, scheduler, in-process queue and worker(s) on real
 * Postgres, running tasks as pods and SparkApplications on the Kubernetes simulator through the real
 * @kubernetes/client-node. The example K8sOperator DAG succeeds; a failing Spark driver is retried and the
 * second try succeeds, each try's log holding its driver's lines; marking a running task failed deletes its
 * pod within a second; an image that cannot be pulled fails at once with the reason in the log; a worker
 * that dies mid-task has its pod adopted by another, which finishes the task once, with no second pod.
 */
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import { createManualRun } from '@windsock/scheduler';
import { Worker } from '@windsock/worker';
import { waitForEvent, type Consumer, type TaskQueue } from '@windsock/queue';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';

const EXAMPLES = resolve(import.meta.dirname, '../examples/dags');

const DAGS: Record<string, string> = {
  'spark_retry.yaml': `spark_retry:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: aggregate
      operator: windsock.operators.SparK8sOperator
      code_path: /jobs/aggregate.py
      image_tag: flaky.spark.aggregate
      retries: 1
      retry_delay: 3
`,
  'long_pod.yaml': `long_pod:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: serve
      operator: airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator
      image: busybox:1.36
      cmds: [sh, -c, 'serve forever']
      annotations: {sim.windsock.dev/run-ms: forever, sim.windsock.dev/log-lines: '["serving"]'}
`,
  'bad_image.yaml': `bad_image:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: pull
      operator: airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator
      image: registry.example.com/team/job:missing
      cmds: [run]
      startup_timeout_seconds: 2
`,
  'adopt_me.yaml': `adopt_me:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: crunch
      operator: windsock.operators.K8sOperator
      cmd: crunch numbers
      image_tag: sample_repo.dag1.crunch
      annotations: {sim.windsock.dev/log-count: '60', sim.windsock.dev/log-pattern: 'chunk {i} of {n}', sim.windsock.dev/log-interval-ms: '40'}
`,
};

let sim: KubeSim;
let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;
const executors: KubernetesExecutor[] = [];
const k8sExecutor = () => {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { registryPrefix: 'registry.example.com/platform/', qps: 200, burst: 200 });
  executors.push(e);
  return e;
};

beforeAll(async () => {
  sim = await startKubeSim({ spark: { submitDelayMs: 10, stepDelayMs: 10 } });
  tdb = await freshDatabase();
  store = await tdb.open();
  const folder = await dagFolder(DAGS);
  await copyFile(join(EXAMPLES, 'example_k8s.yaml'), join(folder, 'example_k8s.yaml'));
  inst = await startInstance({
    store, dagsFolder: folder, executor: k8sExecutor,
    workerOptions: { heartbeatMs: 60_000 }, // the first worker "dies" in the last test; the one that adopts beats fast
    schedulerOptions: { heartbeatTimeoutMs: 2000, maintenanceMs: 200 },
  });
  // A try rendering its templates must not wait here for the interpreter's boot (seconds): the first worker beats
  // only once a minute, and the scheduler takes 2 s without a heartbeat for a zombie.
  await Promise.all(inst.workers.map((w) => w.warmUpTemplates()));
}, 120_000);
afterAll(async () => {
  await inst?.stop();
  await Promise.all(executors.map((e) => e.close()));
  await store?.close();
  await tdb?.drop();
  await sim?.close();
});

/** A queue whose consumer can be killed: it stops taking jobs at once and never reports its handlers done. */
function killable(inner: TaskQueue): { queue: TaskQueue; kill(): void } {
  const consumers: Consumer[] = [];
  const queue: TaskQueue = {
    enqueue: (jobs) => inner.enqueue(jobs),
    waitingJobIds: () => inner.waitingJobIds(),
    close: async () => {},
    consume(queues, handler, opts) {
      const c = inner.consume(queues, handler, opts);
      consumers.push(c);
      return { close: async () => {}, get active() { return c.active; } };
    },
  };
  return { queue, kill: () => { for (const c of consumers) void c.close(); } };
}

async function tiOf(dagRunId: number, taskId: string) {
  return store.db.selectFrom('task_instance').selectAll().where('dag_run_id', '=', dagRunId).where('task_id', '=', taskId).executeTakeFirstOrThrow();
}
async function logOf(tiId: string, tryNumber: number): Promise<string[]> {
  const rows = await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber).orderBy('id').execute();
  return rows.map((r) => r.chunk).join('').split('\n');
}

describe('the kubernetes executor end to end', () => {
  it('runs the example K8sOperator / KubernetesPodOperator DAG to success, one labelled pod per task', async () => {
    const r = await inst.runDag('example_k8s');
    expect(r.state).toBe('success');
    const features = await tiOf(r.dagRunId, 'features');
    expect(features.external_executor_id).toMatch(/^pod:default\//);
    const name = features.external_executor_id!.split('/')[1]!;
    expect(sim.podCreates(name, 'default')).toBe(1);
    expect(await logOf(features.id, 1)).toEqual(expect.arrayContaining([expect.stringContaining(`Creating pod default/${name} (image registry.example.com/platform/sample_repo.dag1.build_folder)`)]));
  });

  it('a failing Spark driver makes the task retry; the second try succeeds; each try\'s log holds its driver\'s lines', async () => {
    sim.addImageRule('flaky.spark.aggregate', { exitCode: 1, logLines: ['driver: try one is failing'] });
    const run = await createManualRun(store.db, { dagId: 'spark_retry' });
    const firstEnded = waitForEvent(inst.events, 'ti:finished', (e) => e.dagRunId === run.id && e.tryNumber === 1, 30_000);
    const done = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 60_000);
    inst.events.emit('dagrun:created', { dagId: 'spark_retry', runId: run.run_id, dagRunId: run.id });
    expect((await firstEnded).state).toBe('up_for_retry');
    sim.addImageRule('flaky.spark.aggregate', { exitCode: 0, logLines: ['driver: try two works'] });
    expect((await done).state).toBe('success');
    const ti = await tiOf(run.id, 'aggregate');
    expect(ti.try_number).toBe(2);
    const one = await logOf(ti.id, 1);
    const two = await logOf(ti.id, 2);
    expect(one).toContain('driver: try one is failing');
    expect(one.some((l) => l.includes('driver container failed with ExitCode: 1'))).toBe(true);
    expect(two).toContain('driver: try two works');
    expect(two).not.toContain('driver: try one is failing');
  }, 90_000);

  it('marking a running task failed (ti:cancel) deletes its pod within a second', async () => {
    const run = await createManualRun(store.db, { dagId: 'long_pod' });
    inst.events.emit('dagrun:created', { dagId: 'long_pod', runId: run.run_id, dagRunId: run.id });
    const running = await sim.waitFor(() => sim.pods('default').find((p) => p.metadata.labels?.dag_id === 'long_pod' && p.status?.phase === 'Running'), { timeoutMs: 20_000 });
    const ti = await tiOf(run.id, 'serve');
    await store.db.updateTable('task_instance').set({ state: 'failed' }).where('id', '=', ti.id).where('state', '=', 'running').execute();
    const t0 = Date.now();
    inst.events.emit('ti:cancel', { tiId: ti.id, reason: 'marked failed' });
    await sim.waitFor(() => { const p = sim.pod('default', running.metadata.name); return !p || p.metadata.deletionTimestamp; }, { timeoutMs: 1000, description: 'pod deleted' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a pod whose image cannot be pulled fails at once (not at the startup timeout), the reason and events in the log', async () => {
    const r = await inst.runDag('bad_image');
    expect(r.state).toBe('failed');
    const ti = await tiOf(r.dagRunId, 'pull');
    const log = await logOf(ti.id, 1);
    expect(log.some((l) => /docker image cannot be pulled, unable to start: container base: (ErrImagePull|ImagePullBackOff)/.test(l))).toBe(true);
    expect(log.some((l) => /Warning Failed.*Failed to pull image/.test(l))).toBe(true);
    expect(log.some((l) => /took longer than .* to start/.test(l))).toBe(false);
  });

  it('a worker that dies mid-task: another worker adopts its pod, the task finishes once, no second pod', async () => {
    await inst.workers[0]!.stop({ drain: true }); // from here on only the doomed worker takes jobs
    const doomedQueue = killable(inst.queue);
    const doomedExecutor = k8sExecutor();
    const doomed = new Worker({ db: store.db, queue: doomedQueue.queue, events: inst.events, executor: doomedExecutor, options: { workerId: 'test-worker-doomed', heartbeatMs: 60_000 } });
    doomed.start();
    const run = await createManualRun(store.db, { dagId: 'adopt_me' });
    const finished: number[] = [];
    const off = inst.events.on('ti:finished', (e) => { if (e.dagRunId === run.id) finished.push(e.tryNumber); });
    const done = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 60_000);
    inst.events.emit('dagrun:created', { dagId: 'adopt_me', runId: run.run_id, dagRunId: run.id });
    const pod = await sim.waitFor(() => sim.pods('default').find((p) => p.metadata.labels?.dag_id === 'adopt_me' && p.status?.phase === 'Running'), { timeoutMs: 20_000 });
    await sim.waitFor(() => (sim.podLog('default', pod.metadata.name) ?? []).includes('chunk 10 of 60'), { timeoutMs: 10_000 });
    // kill -9, in process: the worker takes no more jobs and never heart-beats again; its executor stops
    // following without deleting anything.
    doomedQueue.kill();
    doomedExecutor.abandon();
    const adopter = new Worker({ db: store.db, queue: inst.queue, events: inst.events, executor: k8sExecutor(), options: { workerId: 'test-worker-adopter', heartbeatMs: 300 } });
    adopter.start();
    try {
      expect((await done).state).toBe('success');
      const ti = await tiOf(run.id, 'crunch');
      expect(ti.try_number).toBe(1);
      expect(ti.worker_id).toBe('test-worker-adopter');
      expect(sim.podCreates(pod.metadata.name, 'default')).toBe(1);
      expect(finished).toEqual([1]);
      const log = (await logOf(ti.id, 1)).filter((l) => /^chunk \d+ of 60$/.test(l));
      // Every line is there, in order (the worker passes no stored log yet, so a prefix may repeat).
      let next = 1;
      for (const l of log) if (l === `chunk ${next} of 60`) next++;
      expect(next).toBe(61);
    } finally {
      off();
      await adopter.stop({ drain: false });
    }
  }, 90_000);
});
