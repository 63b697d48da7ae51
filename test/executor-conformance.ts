/**
 * The one conformance suite every executor passes (DESIGN.md, convention 7): success, failure with its exit
 * code, the whole log in order, cancellation, execution_timeout, and a retry as a new try. Each executor's
 * test file supplies a target: how to make a task that writes given lines and exits with a given code (or
 * runs until stopped), and how to tell that a cancelled try left nothing running.
 */
import { describe, expect, it } from 'vitest';
import type { SerializedDag, SerializedTask, TaskKind } from '@windsock/dag-model';
import type { ExecutionResult, Executor, LogSink, TaskLaunch } from '@windsock/executors';

export interface TaskBehaviour {
  lines: string[];
  exitCode: number;
  /** Keep running after the lines until stopped. */
  forever?: boolean;
}

export interface ConformanceTarget {
  name: string;
  executor(): Executor;
  /** The task (kind, operator args) that behaves as asked. */
  task(b: TaskBehaviour): { kind: TaskKind; operator: string; args: Record<string, unknown> };
  /** Resolves once nothing of the try with this external id runs any more (pod / app / process gone or going). */
  stopped(externalId: string | null): Promise<void>;
}

export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  private readonly waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  write(line: string): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) if (w.check()) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(); }
  }
  /** Resolves when a line equal to `line` was written. */
  waitFor(line: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => this.lines.includes(line);
      if (check()) { resolve(); return; }
      const t = setTimeout(() => reject(new Error(`log line "${line}" not written in ${timeoutMs} ms; log: ${this.lines.join(' | ')}`)), timeoutMs);
      this.waiters.push({ check, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }
}

let seq = 0;

export function launchFor(t: { kind: TaskKind; operator: string; args: Record<string, unknown>; run_as_user?: string }, o: { tryNumber?: number; timeoutMs?: number | null; runId?: string; taskId?: string; dagId?: string; workerId?: string } = {}): TaskLaunch {
  const taskId = o.taskId ?? `task_${++seq}`;
  const dagId = o.dagId ?? 'conformance';
  const task: SerializedTask = {
    task_id: taskId, operator: t.operator, operator_path: t.operator, kind: t.kind, upstream_task_ids: [], downstream_task_ids: [],
    trigger_rule: 'all_success', retries: 1, retry_delay: 0, retry_exponential_backoff: false, max_retry_delay: null, execution_timeout: null,
    depends_on_past: false, wait_for_downstream: false, pool: 'default_pool', pool_slots: 1, queue: 'default', priority_weight: 1,
    weight_rule: 'downstream', max_active_tis_per_dag: null, max_active_tis_per_dagrun: null, task_group_id: null, owner: 'test',
    doc_md: null, template_fields: [], args: t.args, executor_config: null, ...(t.run_as_user ? { run_as_user: t.run_as_user } : {}),
  };
  const dag = { format_version: 1, dag_id: dagId, fileloc: 'conformance.py', tasks: [task] } as unknown as SerializedDag;
  const runId = o.runId ?? `manual__2024-01-01T00:00:00+00:00_${seq}`;
  return {
    key: { tiId: `ti-${seq}`, dagId, taskId, runId, mapIndex: -1, tryNumber: o.tryNumber ?? 1 },
    dag, task, rendered: t.args, env: { AIRFLOW_CTX_DAG_ID: dagId, AIRFLOW_CTX_TASK_ID: taskId }, context: {}, xcoms: {},
    timeoutMs: o.timeoutMs ?? null, workerId: o.workerId ?? 'conformance-worker',
  };
}

async function run(ex: Executor, launch: TaskLaunch): Promise<{ result: ExecutionResult; sink: MemorySink; externalId: string | null }> {
  const sink = new MemorySink();
  const h = await ex.start(launch, sink);
  return { result: await h.result, sink, externalId: h.externalId };
}

export function executorConformance(target: ConformanceTarget, opts: { timeoutMs?: number } = {}): void {
  const T = opts.timeoutMs ?? 30_000;
  describe(`executor conformance: ${target.name}`, () => {
    it('success: exit 0 is a success with exit code 0 and the output in the log', async () => {
      const ex = target.executor();
      try {
        const { result, sink } = await run(ex, launchFor(target.task({ lines: ['hello from the task', 'second line'], exitCode: 0 })));
        expect(result).toMatchObject({ outcome: 'success', exitCode: 0, reason: null });
        expect(sink.lines).toContain('hello from the task');
      } finally { await ex.close(); }
    }, T);

    it('failure: a non-zero exit fails the try with that exit code', async () => {
      const ex = target.executor();
      try {
        const { result, sink } = await run(ex, launchFor(target.task({ lines: ['about to fail'], exitCode: 3 })));
        expect(result.outcome).toBe('failed');
        expect(result.exitCode).toBe(3);
        expect(sink.lines).toContain('about to fail');
      } finally { await ex.close(); }
    }, T);

    it('logs: every line arrives, once, in order', async () => {
      const ex = target.executor();
      try {
        const lines = Array.from({ length: 300 }, (_, i) => `log line ${i + 1} of 300`);
        const { result, sink } = await run(ex, launchFor(target.task({ lines, exitCode: 0 })));
        expect(result.outcome).toBe('success');
        expect(sink.lines.filter((l) => /^log line \d+ of 300$/.test(l))).toEqual(lines);
      } finally { await ex.close(); }
    }, T);

    it('cancellation: stops a running try, which fails as cancelled and leaves nothing running', async () => {
      const ex = target.executor();
      try {
        const sink = new MemorySink();
        const h = await ex.start(launchFor(target.task({ lines: ['running until stopped'], exitCode: 0, forever: true })), sink);
        await sink.waitFor('running until stopped');
        const t0 = Date.now();
        await h.cancel('marked failed by a user');
        const r = await h.result;
        expect(r.outcome).toBe('failed');
        expect(r.reason).toMatch(/^cancelled/);
        await target.stopped(h.externalId);
        expect(Date.now() - t0).toBeLessThan(10_000);
      } finally { await ex.close(); }
    }, T);

    it('timeout: a try running past its execution_timeout is stopped and fails with reason timeout', async () => {
      const ex = target.executor();
      try {
        const sink = new MemorySink();
        const h = await ex.start(launchFor(target.task({ lines: ['slow task started'], exitCode: 0, forever: true }), { timeoutMs: 1500 }), sink);
        const r = await h.result;
        expect(r).toMatchObject({ outcome: 'failed', reason: 'timeout' });
        expect(sink.lines.some((l) => l.includes('execution_timeout'))).toBe(true);
        await target.stopped(h.externalId);
      } finally { await ex.close(); }
    }, T);

    it('retry: a second try of the same task is a new, separate execution', async () => {
      const ex = target.executor();
      try {
        const ids = { taskId: `retry_${++seq}`, runId: `manual__retry_${seq}` };
        const first = await run(ex, launchFor(target.task({ lines: ['try one fails'], exitCode: 1 }), { ...ids, tryNumber: 1 }));
        const second = await run(ex, launchFor(target.task({ lines: ['try two works'], exitCode: 0 }), { ...ids, tryNumber: 2 }));
        expect(first.result.outcome).toBe('failed');
        expect(second.result.outcome).toBe('success');
        expect(first.sink.lines).not.toContain('try two works');
        expect(second.sink.lines).toContain('try two works');
        expect(second.sink.lines).not.toContain('try one fails');
        if (first.externalId !== null) expect(second.externalId).not.toBe(first.externalId);
      } finally { await ex.close(); }
    }, T);
  });
}
