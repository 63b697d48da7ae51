/**
 * The Spark executor's behaviour beyond the conformance suite, against the simulator's Spark operator: a
 * failing driver's errorMessage, the whole driver log captured before the app is deleted, a leftover app of
 * the same name deleted first, an app stuck in SUBMITTED failed after the startup timeout, a submission
 * failure, SparkKubernetesOperator's application_file, and adoption.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutor, type KubernetesOptions } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';
import { behaviour } from './k8s-support.ts';

let sim: KubeSim;
const executors: KubernetesExecutor[] = [];
beforeAll(async () => { sim = await startKubeSim({ spark: { submitDelayMs: 10, stepDelayMs: 10 } }); });
afterEach(async () => { await Promise.all(executors.splice(0).map((e) => e.close())); });
afterAll(async () => { await sim?.close(); });

function executor(o: Partial<KubernetesOptions> = {}): KubernetesExecutor {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500, ...o });
  executors.push(e);
  return e;
}

const spark = (args: Record<string, unknown>) => ({
  kind: 'spark' as const, operator: 'SparK8sOperator',
  args: { code_path: '/jobs/main_spark.py', image_tag: 'sample_repo.dag2.spark_build_folder', ...args },
});
const appName = (id: string | null) => id!.split('/')[1]!;
const appGone = (id: string | null) => sim.waitFor(() => sim.sparkApplication('default', appName(id)) === undefined, { timeoutMs: 5000, description: 'app deleted' });

describe('SparkApplications', () => {
  it('a failing driver fails the try with the operator\'s errorMessage; its whole log is kept and the app deleted after', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `stage ${i + 1}`);
    const sink = new MemorySink();
    const h = await executor().start(launchFor(spark({ annotations: { ...behaviour({ lines, exitCode: 2 }), 'sim.windsock.dev/log-interval-ms': '3' } })), sink);
    const r = await h.result;
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 2, reason: 'driver container failed with ExitCode: 2, Reason: Error' });
    expect(sink.lines.filter((l) => l.startsWith('stage '))).toEqual(lines);
    expect(sink.lines.some((l) => l.includes('failed: driver container failed with ExitCode: 2'))).toBe(true);
    await appGone(h.externalId);
  });

  it('a leftover app of the same name (same try) is deleted first, with its driver, so the launch never fails with 409', async () => {
    const launch = launchFor(spark({ annotations: behaviour({ lines: ['old driver'], exitCode: 0, forever: true }) }));
    const a = executor();
    const first = await a.start(launch, new MemorySink());
    await sim.waitFor(() => sim.pods('default').some((p) => p.metadata.name === `${appName(first.externalId)}-driver` && p.status?.phase === 'Running'));
    a.abandon();
    const sink = new MemorySink();
    const again = await executor().start({ ...launch, rendered: spark({ annotations: behaviour({ lines: ['new driver'], exitCode: 0 }) }).args }, sink);
    expect(again.externalId).toBe(first.externalId);
    expect((await again.result).outcome).toBe('success');
    expect(sink.lines.some((l) => l.includes('left from an earlier launch'))).toBe(true);
    expect(sink.lines).toContain('new driver');
    expect(sink.lines).not.toContain('old driver');
  });

  it('an app stuck in SUBMITTED (driver cannot be scheduled) fails after the startup timeout and is deleted', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(spark({ startup_timeout_seconds: 1.5, annotations: { 'sim.windsock.dev/unschedulable': 'true' } })), sink);
    const r = await h.result;
    expect(r).toMatchObject({ outcome: 'failed', reason: 'Unschedulable' });
    expect(sink.lines.some((l) => /Driver pod \S+ is pending: Unschedulable/.test(l))).toBe(true);
    expect(sink.lines.some((l) => l.includes('did not start within 1.5 s (state SUBMITTED, driver Unschedulable'))).toBe(true);
    await appGone(h.externalId);
  });

  it('a submission failure fails the try with the operator\'s message', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(spark({ annotations: { 'sim.windsock.dev/submission-error': 'quota exceeded' } })), sink);
    const r = await h.result;
    expect(r.outcome).toBe('failed');
    expect(r.reason).toContain('failed to submit spark application: quota exceeded');
  });

  it('SparkKubernetesOperator reads application_file beside the DAG file; its kubernetes part reaches driver and executor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windsock-spark-'));
    await writeFile(join(dir, 'pi.yaml'), [
      'spark:', '  apiVersion: sparkoperator.k8s.io/v1beta2', '  kind: SparkApplication', '  metadata: {name: spark-pi}',
      '  spec:', '    type: Scala', '    mode: cluster', '    image: apache/spark:3.5.1', '    mainClass: org.apache.spark.examples.SparkPi',
      '    mainApplicationFile: local:///opt/spark/examples/jars/spark-examples.jar', '    sparkVersion: 3.5.1',
      '    driver: {cores: 1, memory: 512m}', '    executor: {cores: 1, instances: 1, memory: 512m}',
      'kubernetes:', '  env_vars: {STAGE: test}',
    ].join('\n'));
    const sink = new MemorySink();
    const launch = launchFor({ kind: 'spark', operator: 'SparkKubernetesOperator', args: { application_file: 'pi.yaml', annotations: behaviour({ lines: ['Pi is roughly 3.14'], exitCode: 0 }) } });
    const h = await executor({ dagsFolder: dir, deleteOnSuccess: false }).start(launch, sink);
    expect((await h.result).outcome).toBe('success');
    expect(sink.lines).toContain('Pi is roughly 3.14');
    const app = sim.sparkApplication('default', appName(h.externalId))!;
    expect(app.spec).toMatchObject({ mainClass: 'org.apache.spark.examples.SparkPi', driver: { env: [{ name: 'STAGE', value: 'test' }] }, executor: { env: [{ name: 'STAGE', value: 'test' }] } });
    expect(app.metadata.labels).toMatchObject({ dag_id: 'conformance', try_number: '1', spark_kubernetes_operator: 'True' });
  });

  it('another worker adopts a running app: one app created, the driver log neither cut nor repeated', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `batch ${i + 1}`);
    const launch = launchFor(spark({ annotations: { ...behaviour({ lines, exitCode: 0 }), 'sim.windsock.dev/log-interval-ms': '10' } }), { workerId: 'worker-a' });
    const a = executor();
    const sinkA = new MemorySink();
    const h = await a.start(launch, sinkA);
    await sinkA.waitFor('batch 15');
    a.abandon();
    const creates = sim.requests('create', 'sparkapplications');
    const sinkB = new MemorySink();
    const adopted = await executor().adopt({ ...launch, workerId: 'worker-b', storedLog: [...sinkA.lines] }, h.externalId!, sinkB);
    expect((await adopted!.result).outcome).toBe('success');
    expect([...sinkA.lines, ...sinkB.lines].filter((l) => l.startsWith('batch '))).toEqual(lines);
    expect(sim.requests('create', 'sparkapplications')).toBe(creates);
  });

  it('adopting an app whose driver does not exist yet takes the driver over when it appears', async () => {
    const launch = launchFor(spark({ annotations: { ...behaviour({ lines: ['late driver line'], exitCode: 0 }), 'sim.windsock.dev/driver-pod-delay-ms': '600' } }), { workerId: 'worker-a' });
    const a = executor();
    const h = await a.start(launch, new MemorySink());
    await sim.waitFor(() => sim.sparkApplication('default', appName(h.externalId))?.status?.applicationState?.state === 'SUBMITTED');
    a.abandon();
    const sink = new MemorySink();
    const adopted = await executor({ deleteOnSuccess: false }).adopt({ ...launch, workerId: 'worker-b', storedLog: [] }, h.externalId!, sink);
    expect((await adopted!.result).outcome).toBe('success');
    expect(sink.lines).toContain('late driver line');
    expect(sim.pod('default', `${appName(h.externalId)}-driver`)?.metadata.labels?.['airflow-worker']).toBe('worker-b');
  });
});
