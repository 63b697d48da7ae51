import { describe, expect, it } from 'vitest';
import type { RunEvaluation, TiView } from './run-evaluation.ts';
import { evaluateRun } from './run-evaluation.ts';
import type { SerializedTask } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';
import { dagFromEdges } from './test-fixtures.ts';
import { finalizeDag } from './validate.ts';

const NOW = new Date('2024-01-02T00:10:00Z');

interface Case {
  edges: string[];
  tasks?: Record<string, Partial<SerializedTask>>;
  /** Current states; tasks not listed have no task instance yet. */
  states: Record<string, TiStateOrNone>;
  retryAt?: Record<string, string>;
  previous?: Record<string, TiStateOrNone> | null;
}

function run(c: Case): { schedule: string[]; force: string[]; outcome: RunEvaluation['outcome']; deadlocked: boolean } {
  const dag = finalizeDag(dagFromEdges(c.edges, c.tasks));
  const tis: TiView[] = Object.entries(c.states).map(([task_id, state]) => ({
    task_id, state, next_retry_at: c.retryAt?.[task_id] ? new Date(c.retryAt[task_id]!) : null,
  }));
  const previousRun = c.previous ? { tis: new Map(Object.entries(c.previous)) } : null;
  const r = evaluateRun({ dag, tis, previousRun, now: NOW });
  return {
    schedule: r.toSchedule,
    force: r.toForce.map((f) => `${f.task_id}:${f.state}`),
    outcome: r.outcome,
    deadlocked: r.deadlocked,
  };
}

const CHAIN = ['a>b', 'b>c'];

describe('evaluateRun: linear chain a >> b >> c', () => {
  it.each([
    ['fresh run schedules the root', { a: null, b: null, c: null }, ['a'], [], 'running'],
    ['task instances not created yet count as none', {}, ['a'], [], 'running'],
    ['a running: nothing to do', { a: 'running', b: null, c: null }, [], [], 'running'],
    ['a queued: nothing to do', { a: 'queued', b: null, c: null }, [], [], 'running'],
    ['a done: b next', { a: 'success', b: null, c: null }, ['b'], [], 'running'],
    ['all done', { a: 'success', b: 'success', c: 'success' }, [], [], 'success'],
    ['a failed: the rest upstream_failed in one pass, run failed', { a: 'failed', b: null, c: null }, [], ['b:upstream_failed', 'c:upstream_failed'], 'failed'],
    ['a skipped: the rest skipped, run succeeds', { a: 'skipped', b: null, c: null }, [], ['b:skipped', 'c:skipped'], 'success'],
    ['leaf failed', { a: 'success', b: 'success', c: 'failed' }, [], [], 'failed'],
    ['removed leaf does not count', { a: 'success', b: 'success', c: 'removed' }, [], [], 'success'],
  ] as const)('%s', (_label, states, schedule, force, outcome) => {
    expect(run({ edges: CHAIN, states })).toEqual({ schedule, force, outcome, deadlocked: false });
  });
});

describe('evaluateRun: failures and trigger rules downstream', () => {
  it('all_done runs after a failure; only leaves decide the run state (Airflow: cleanup success ⇒ run success)', () => {
    const tasks = { cleanup: { trigger_rule: 'all_done' } } as const;
    expect(run({ edges: ['a>cleanup'], tasks, states: { a: 'failed', cleanup: null } }))
      .toEqual({ schedule: ['cleanup'], force: [], outcome: 'running', deadlocked: false });
    expect(run({ edges: ['a>cleanup'], tasks, states: { a: 'failed', cleanup: 'success' } }).outcome).toBe('success');
  });

  it('all_done sees a cascaded upstream_failed in the same pass', () => {
    expect(run({ edges: ['a>b', 'b>c'], tasks: { c: { trigger_rule: 'all_done' } }, states: { a: 'failed' } }))
      .toEqual({ schedule: ['c'], force: ['b:upstream_failed'], outcome: 'running', deadlocked: false });
  });

  const ALERT = ['a>b', 'a>alert'];
  const alertTasks = { alert: { trigger_rule: 'one_failed' } } as const;
  it('one_failed alert is skipped when everything succeeded', () => {
    expect(run({ edges: ALERT, tasks: alertTasks, states: { a: 'success' } }))
      .toEqual({ schedule: ['b'], force: ['alert:skipped'], outcome: 'running', deadlocked: false });
    expect(run({ edges: ALERT, tasks: alertTasks, states: { a: 'success', b: 'success', alert: 'skipped' } }).outcome).toBe('success');
  });
  it('one_failed alert runs on failure; the run still fails on the upstream_failed leaf', () => {
    expect(run({ edges: ALERT, tasks: alertTasks, states: { a: 'failed' } }))
      .toEqual({ schedule: ['alert'], force: ['b:upstream_failed'], outcome: 'running', deadlocked: false });
    expect(run({ edges: ALERT, tasks: alertTasks, states: { a: 'failed', b: 'upstream_failed', alert: 'success' } }).outcome).toBe('failed');
  });

  const BRANCH = ['start>x', 'start>y', 'x>join', 'y>join'];
  const joinTasks = { join: { trigger_rule: 'none_failed_min_one_success' } } as const;
  it.each([
    ['one branch ran, the other skipped: join runs', { x: 'success', y: 'skipped' }, ['join'], [], 'running'],
    ['both branches skipped: join skipped, run succeeds', { x: 'skipped', y: 'skipped' }, [], ['join:skipped'], 'success'],
    ['a branch failed: join upstream_failed, run fails', { x: 'failed', y: 'success' }, [], ['join:upstream_failed'], 'failed'],
    ['a branch still running: join waits', { x: 'success', y: 'running' }, [], [], 'running'],
  ] as const)('none_failed_min_one_success join: %s', (_l, branchStates, schedule, force, outcome) => {
    expect(run({ edges: BRANCH, tasks: joinTasks, states: { start: 'success', ...branchStates } }))
      .toEqual({ schedule, force, outcome, deadlocked: false });
  });

  it('one_success fires as soon as one upstream succeeded', () => {
    expect(run({ edges: ['x>z', 'y>z'], tasks: { z: { trigger_rule: 'one_success' } }, states: { x: 'success', y: 'running' } }).schedule)
      .toEqual(['z']);
  });

  it('an up_for_retry task instance whose upstream failed meanwhile is forced too', () => {
    expect(run({ edges: ['a>b'], states: { a: 'failed', b: 'up_for_retry' }, retryAt: { b: '2024-01-01T00:00:00Z' } }).force)
      .toEqual(['b:upstream_failed']);
  });
});

describe('evaluateRun: retries', () => {
  it.each([
    ['not due yet: waits, run keeps running', '2024-01-02T00:15:00Z', [], 'running'],
    ['due exactly now: still premature (Airflow compares strictly)', NOW.toISOString(), [], 'running'],
    ['due: rescheduled', '2024-01-02T00:09:59Z', ['a'], 'running'],
  ] as const)('%s', (_l, at, schedule, outcome) => {
    expect(run({ edges: ['a>b'], states: { a: 'up_for_retry', b: null }, retryAt: { a: at } }))
      .toEqual({ schedule, force: [], outcome, deadlocked: false });
  });

  it('up_for_retry without a retry time is schedulable', () => {
    expect(run({ edges: ['a>b'], states: { a: 'up_for_retry' } }).schedule).toEqual(['a']);
  });

  it('up_for_reschedule waits for its reschedule date (inclusive)', () => {
    expect(run({ edges: ['s>b'], states: { s: 'up_for_reschedule' }, retryAt: { s: NOW.toISOString() } }).schedule).toEqual(['s']);
    expect(run({ edges: ['s>b'], states: { s: 'up_for_reschedule' }, retryAt: { s: '2024-01-02T01:00:00Z' } }).schedule).toEqual([]);
  });
});

describe('evaluateRun: deadlock', () => {
  it('an all_success task behind a removed upstream can never run: deadlock, run failed', () => {
    expect(run({ edges: ['a>b'], states: { a: 'removed', b: null } }))
      .toEqual({ schedule: [], force: [], outcome: 'failed', deadlocked: true });
  });

  it('all_skipped behind a removed upstream deadlocks too', () => {
    expect(run({ edges: ['a>b'], tasks: { b: { trigger_rule: 'all_skipped' } }, states: { a: 'removed' } }).deadlocked).toBe(true);
  });

  it('no deadlock while another task is running', () => {
    expect(run({ edges: ['a>b', 'c>d'], states: { a: 'removed', b: null, c: 'success', d: 'running' } }))
      .toEqual({ schedule: [], force: [], outcome: 'running', deadlocked: false });
  });

  it('no deadlock while a retry is pending', () => {
    expect(run({ edges: ['a>b', 'c>d'], states: { a: 'removed', c: 'up_for_retry' }, retryAt: { c: '2024-01-03T00:00:00Z' } }).deadlocked)
      .toBe(false);
  });

  it.each([
    ['depends_on_past', { depends_on_past: true }],
    ['max_active_tis_per_dag', { max_active_tis_per_dag: 1 }],
    ['max_active_tis_per_dagrun', { max_active_tis_per_dagrun: 1 }],
  ])('Airflow does not call it a deadlock when an unfinished task has %s', (_l, over) => {
    expect(run({ edges: ['a>b'], tasks: { b: over }, states: { a: 'removed', b: null } }))
      .toEqual({ schedule: [], force: [], outcome: 'running', deadlocked: false });
  });
});

describe('evaluateRun: depends_on_past / wait_for_downstream', () => {
  const dop = { a: { depends_on_past: true } };
  it.each([
    ['first run', null, ['a']],
    ['previous a succeeded', { a: 'success', b: 'success' }, ['a']],
    ['previous a skipped', { a: 'skipped', b: 'success' }, ['a']],
    ['previous a failed', { a: 'failed', b: null }, []],
    ['previous a still running', { a: 'running', b: null }, []],
    ['previous run has no a', { b: 'success' }, []],
  ] as const)('depends_on_past: %s', (_l, previous, schedule) => {
    expect(run({ edges: ['a>b'], tasks: dop, states: { a: null, b: null }, previous }).schedule).toEqual(schedule);
  });

  const wfd = { a: { wait_for_downstream: true } };
  it.each([
    ['downstream finished', { a: 'success', b: 'success', c: 'skipped' }, ['a']],
    ['a downstream still running', { a: 'success', b: 'running', c: 'success' }, []],
    ['a downstream failed', { a: 'success', b: 'failed', c: 'success' }, []],
    ['a downstream without task instance is ignored', { a: 'success', c: 'success' }, ['a']],
    ['indirect downstreams do not matter', { a: 'success', b: 'success', c: 'success', d: 'failed' }, ['a']],
  ] as const)('wait_for_downstream: %s', (_l, previous, schedule) => {
    expect(run({ edges: ['a>b', 'a>c', 'b>d'], tasks: wfd, states: {}, previous }).schedule).toEqual(schedule);
  });

  it('a forced state is applied even when past depends are not met', () => {
    expect(run({ edges: ['x>a'], tasks: dop, states: { x: 'failed', a: null }, previous: { a: 'failed' } }).force)
      .toEqual(['a:upstream_failed']);
  });
});

describe('evaluateRun: odd inputs', () => {
  it('ignores task instances of tasks no longer in the DAG', () => {
    expect(run({ edges: ['a>b'], states: { a: 'success', b: 'success', gone: 'failed' } }).outcome).toBe('success');
  });
  it('schedules independent roots in topological (declaration) order', () => {
    expect(run({ edges: ['r1>m', 'r2>m'], states: {} }).schedule).toEqual(['r1', 'r2']);
  });
  it('a DAG without tasks is immediately successful', () => {
    expect(run({ edges: [], states: {} })).toEqual({ schedule: [], force: [], outcome: 'success', deadlocked: false });
  });
});

describe('evaluateRun: mapped tasks', () => {
  const dag = finalizeDag(dagFromEdges(['up>m', 'm>down'], { m: { expand_input: { type: 'dict', target: 'op_kwargs', value: { x: [1, 2] } } } }));
  const ti = (task_id: string, state: TiStateOrNone, map_index = -1): TiView => ({ task_id, state, next_retry_at: null, map_index });

  it('asks to expand a mapped task when its upstreams allow it, instead of scheduling the placeholder', () => {
    const r = evaluateRun({ dag, tis: [ti('up', 'success'), ti('m', null), ti('down', null)], previousRun: null, now: NOW });
    expect(r.toExpand).toEqual(['m']);
    expect(r.toSchedule).toEqual([]);
    expect(r.outcome).toBe('running');
  });

  it('schedules each expanded instance, and the downstream only when every instance is done', () => {
    const r = evaluateRun({ dag, tis: [ti('up', 'success'), ti('m', 'success', 0), ti('m', null, 1), ti('down', null)], previousRun: null, now: NOW });
    expect(r.toScheduleMapped).toEqual([{ task_id: 'm', map_index: 1 }]);
    expect(r.toSchedule).toEqual([]);
  });

  it('counts each mapped instance in the trigger rule: one failed instance fails all_success downstream', () => {
    const r = evaluateRun({ dag, tis: [ti('up', 'success'), ti('m', 'success', 0), ti('m', 'failed', 1), ti('down', null)], previousRun: null, now: NOW });
    expect(r.toForce).toEqual([{ task_id: 'down', state: 'upstream_failed' }]);
    expect(r.outcome).toBe('failed');
    const ok = evaluateRun({ dag, tis: [ti('up', 'success'), ti('m', 'success', 0), ti('m', 'success', 1), ti('down', null)], previousRun: null, now: NOW });
    expect(ok.toSchedule).toEqual(['down']);
  });
});

describe('evaluateRun: expanded mapped tasks whose upstream was cleared or failed', () => {
  const dag = finalizeDag(dagFromEdges(['up>m', 'm>down'], { m: { expand_input: { type: 'dict', target: 'op_kwargs', value: { x: [1, 2] } } } }));
  const ti = (task_id: string, state: TiStateOrNone, map_index = -1): TiView => ({ task_id, state, next_retry_at: null, map_index });

  it('waits while the upstream runs again, and forces the instances when it fails', () => {
    const waiting = evaluateRun({ dag, tis: [ti('up', 'running'), ti('m', null, 0), ti('m', null, 1), ti('down', null)], previousRun: null, now: NOW });
    expect(waiting.toScheduleMapped).toEqual([]);
    const failed = evaluateRun({ dag, tis: [ti('up', 'failed'), ti('m', null, 0), ti('m', null, 1), ti('down', null)], previousRun: null, now: NOW });
    expect(failed.toForce).toEqual([{ task_id: 'm', state: 'upstream_failed', map_index: 0 }, { task_id: 'm', state: 'upstream_failed', map_index: 1 },
      { task_id: 'down', state: 'upstream_failed' }]);
    expect(failed.outcome).toBe('failed');
  });
});
