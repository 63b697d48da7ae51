import { describe, expect, it } from 'vitest';
import { BranchError, branchFollows, branchSkips, decideBranch, pythonTruthy, shortCircuitSkips, skipExitCodes, skipsAfterSuccess, weekDayNumbers } from './skips.ts';
import type { SerializedDag, SerializedTask } from './serialized.ts';
import { dagFromEdges, makeTask } from './test-fixtures.ts';
import { evaluateRun } from './run-evaluation.ts';

/** dagFromEdges with downstream lists filled in, and the task map the worker keeps. */
function graph(edges: string[], over: Record<string, Partial<SerializedTask>> = {}): { dag: SerializedDag; tasks: Map<string, SerializedTask> } {
  const dag = dagFromEdges(edges, over);
  for (const t of dag.tasks) t.downstream_task_ids = dag.tasks.filter((d) => d.upstream_task_ids.includes(t.task_id)).map((d) => d.task_id);
  return { dag, tasks: new Map(dag.tasks.map((t) => [t.task_id, t])) };
}

describe('skip_all_except', () => {
  it('skips the direct downstream tasks not followed, keeping those downstream of a followed one (the empty branch)', () => {
    const { dag, tasks } = graph(['br>a', 'br>b', 'br>join', 'a>join', 'b>after_b'], { br: { operator: 'BranchPythonOperator' } });
    expect(skipsAfterSuccess(dag, tasks, tasks.get('br')!, 'a')).toEqual(['b']);
    expect(skipsAfterSuccess(dag, tasks, tasks.get('br')!, ['a', 'b'])).toEqual([]);
    expect(skipsAfterSuccess(dag, tasks, tasks.get('br')!, null)).toEqual(['a', 'b', 'join']);
  });

  it('a task group id stands for its roots; an unknown id or a non-string is an error', () => {
    const { dag } = graph(['br>g.x', 'g.x>g.y', 'br>other'], { 'g.x': { task_group_id: 'g' }, 'g.y': { task_group_id: 'g' } });
    dag.task_groups = [{ group_id: 'g', parent_group_id: null, tooltip: '' }];
    expect(branchFollows(dag, 'g')).toEqual(['g.x']);
    expect(() => branchFollows(dag, 'nope')).toThrow(BranchError);
    expect(() => branchFollows(dag, 'nope')).toThrow("Invalid tasks found: nope");
    expect(() => branchFollows(dag, [1])).toThrow(BranchError);
  });

  it('branchSkips never skips the followed tasks themselves', () => {
    const { tasks } = graph(['br>a', 'br>b']);
    expect(branchSkips(tasks, tasks.get('br')!, ['b'])).toEqual(['a']);
  });
});

describe('short circuit', () => {
  it('falsy skips every downstream task by default, only the direct ones when trigger rules are respected', () => {
    const { tasks } = graph(['sc>a', 'a>b', 'b>c']);
    const sc = tasks.get('sc')!;
    expect(shortCircuitSkips(tasks, sc, false).sort()).toEqual(['a', 'b', 'c']);
    expect(shortCircuitSkips(tasks, sc, 'yes')).toEqual([]);
    expect(shortCircuitSkips(tasks, { ...sc, args: { ignore_downstream_trigger_rules: false } }, 0)).toEqual(['a']);
  });

  it("Python's truthiness", () => {
    expect([null, false, 0, '', [], {}].map(pythonTruthy)).toEqual([false, false, false, false, false, false]);
    expect([true, 1, 'x', [0], { a: 1 }].map(pythonTruthy)).toEqual([true, true, true, true, true]);
  });
});

describe('skip_on_exit_code', () => {
  it('99 for bash by default; an int, a list, None, the deprecated skip_exit_code; nothing for other kinds by default', () => {
    expect(skipExitCodes(makeTask('t'))).toEqual([99]);
    expect(skipExitCodes(makeTask('t', { args: { skip_on_exit_code: 3 } }))).toEqual([3]);
    expect(skipExitCodes(makeTask('t', { args: { skip_on_exit_code: [3, 4] } }))).toEqual([3, 4]);
    expect(skipExitCodes(makeTask('t', { args: { skip_on_exit_code: null } }))).toEqual([]);
    expect(skipExitCodes(makeTask('t', { args: { skip_exit_code: 7 } }))).toEqual([7]);
    expect(skipExitCodes(makeTask('t', { kind: 'pod' }))).toEqual([]);
    expect(skipExitCodes(makeTask('t', { kind: 'pod', args: { skip_on_exit_code: 100 } }))).toEqual([100]);
  });
});

describe('deciding operators', () => {
  const run = { runType: 'scheduled', logicalDate: null, dataInterval: null };

  it('BranchDayOfWeekOperator: now in the DAG time zone, or the logical date', () => {
    const { dag, tasks } = graph(['d>yes', 'd>no'], { d: { operator: 'BranchDayOfWeekOperator', kind: 'empty', args: { week_day: 'Monday', follow_task_ids_if_true: 'yes', follow_task_ids_if_false: 'no' } } });
    const d = tasks.get('d')!;
    // Sunday 23:30 UTC is already Monday in Tokyo.
    const sundayNight = new Date('2024-06-02T23:30:00Z');
    expect(decideBranch(dag, d, run, sundayNight)).toBe('no');
    expect(decideBranch({ ...dag, timezone: 'Asia/Tokyo' }, d, run, sundayNight)).toBe('yes');
    const logical = { ...d, args: { ...d.args, use_task_logical_date: true } };
    expect(decideBranch(dag, logical, { ...run, logicalDate: new Date('2024-06-03T01:00:00Z') }, sundayNight)).toBe('yes');
    expect(weekDayNumbers([6, 'sunday'])).toEqual(new Set([6, 7]));
    expect(() => weekDayNumbers('Caturday')).toThrow(BranchError);
  });

  it('BranchDateTimeOperator: datetime targets, and time targets with the upper moved to the next day', () => {
    const { dag, tasks } = graph(['d>in', 'd>out'], { d: { operator: 'BranchDateTimeOperator', kind: 'empty', args: {
      target_lower: '15:00:00', target_upper: '00:00:00', follow_task_ids_if_true: ['in'], follow_task_ids_if_false: ['out'] } } });
    const d = tasks.get('d')!;
    expect(decideBranch(dag, d, run, new Date('2024-06-01T16:00:00Z'))).toEqual(['in']);
    expect(decideBranch(dag, d, run, new Date('2024-06-01T14:00:00Z'))).toEqual(['out']);
    const dt = { ...d, args: { ...d.args, target_lower: { __type: 'datetime', value: '2020-10-10T14:00:00+00:00', tz: 'UTC' },
      target_upper: { __type: 'datetime', value: '2020-10-10T15:00:00+00:00', tz: 'UTC' } } };
    expect(decideBranch(dag, dt, run, new Date('2020-10-10T14:59:00Z'))).toEqual(['in']);
    expect(decideBranch(dag, dt, run, new Date('2024-06-01T14:30:00Z'))).toEqual(['out']);
  });

  it('LatestOnlyOperator: only a run whose next interval holds now goes on; manual runs always do', () => {
    const { dag, tasks } = graph(['lo>a', 'lo>b'], { lo: { operator: 'LatestOnlyOperator', kind: 'empty' } });
    const lo = tasks.get('lo')!;
    const now = new Date('2024-06-10T05:00:00Z');
    const interval = (s: string, e: string) => ({ start: new Date(s), end: new Date(e) });
    expect(decideBranch(dag, lo, { ...run, dataInterval: interval('2024-06-09T00:00:00Z', '2024-06-10T00:00:00Z') }, now)).toEqual(['a', 'b']);
    expect(decideBranch(dag, lo, { ...run, dataInterval: interval('2024-06-08T00:00:00Z', '2024-06-09T00:00:00Z') }, now)).toEqual([]);
    expect(decideBranch(dag, lo, { runType: 'manual', logicalDate: null, dataInterval: interval('2024-06-01T00:00:00Z', '2024-06-02T00:00:00Z') }, now)).toEqual(['a', 'b']);
    expect(decideBranch({ ...dag, schedule: { kind: 'none' } }, lo, { ...run, dataInterval: interval('2024-06-01T00:00:00Z', '2024-06-02T00:00:00Z') }, now)).toEqual(['a', 'b']);
    expect(skipsAfterSuccess(dag, tasks, lo, [])).toEqual(['a', 'b']);
  });
});

describe('NotPreviouslySkippedDep (evaluateRun with skipmixin XComs)', () => {
  it('a cleared task instance a succeeded branch did not follow is skipped again; a followed one is scheduled', () => {
    const { dag } = graph(['br>a', 'br>b', 'sc>c'], { br: { operator: 'BranchPythonOperator' }, sc: { operator: 'ShortCircuitOperator' } });
    const tis = [{ task_id: 'br', state: 'success' as const, next_retry_at: null }, { task_id: 'sc', state: 'success' as const, next_retry_at: null },
      { task_id: 'a', state: null, next_retry_at: null }, { task_id: 'b', state: null, next_retry_at: null }, { task_id: 'c', state: null, next_retry_at: null }];
    const skipMixin = new Map([['br', { followed: ['b'] }], ['sc', { skipped: ['c'] }]]);
    const e = evaluateRun({ dag, tis, previousRun: null, now: new Date(), skipMixin });
    expect(e.toForce).toEqual([{ task_id: 'a', state: 'skipped' }, { task_id: 'c', state: 'skipped' }].sort((x, y) => dag.tasks.findIndex((t) => t.task_id === x.task_id) - dag.tasks.findIndex((t) => t.task_id === y.task_id)));
    expect(e.toSchedule).toEqual(['b']);
    expect(evaluateRun({ dag, tis, previousRun: null, now: new Date() }).toSchedule.sort()).toEqual(['a', 'b', 'c']);
  });
});
