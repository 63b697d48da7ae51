import { describe, expect, it } from 'vitest';
import type { DagValidationCode } from './errors.ts';
import { DagValidationError } from './errors.ts';
import { makeDag, makeTask } from './test-fixtures.ts';
import { finalizeDag, parseSerializedDag, validateDagGraph } from './validate.ts';

/** A valid DAG as plain JSON: extract >> [clean, report] >> load. */
function validJson(): Record<string, unknown> {
  const dag = makeDag([
    makeTask('extract'),
    makeTask('clean', { upstream_task_ids: ['extract'], task_group_id: 'transform' }),
    makeTask('report', { upstream_task_ids: ['extract'] }),
    makeTask('load', { upstream_task_ids: ['report', 'clean'], trigger_rule: 'all_done' }),
  ], {
    task_groups: [{ group_id: 'transform', parent_group_id: null, tooltip: '' }],
    params: { n: { default: 3, description: null, schema: { type: 'integer' } } },
  });
  return JSON.parse(JSON.stringify(dag)) as Record<string, unknown>;
}

/** Changes the JSON in place, or returns a replacement for it. */
type Mutate = (d: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
const task = (d: any, id: string) => d.tasks.find((t: { task_id: string }) => t.task_id === id); // eslint-disable-line @typescript-eslint/no-explicit-any

function expectError(fn: () => unknown, code: DagValidationCode, fragment: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DagValidationError);
    expect((e as DagValidationError).code).toBe(code);
    expect((e as Error).message).toContain(fragment);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('parseSerializedDag', () => {
  it('accepts a valid DAG and finalizes it', () => {
    const dag = parseSerializedDag(validJson());
    expect(dag.tasks.map((t) => [t.task_id, t.upstream_task_ids, t.downstream_task_ids])).toEqual([
      ['extract', [], ['clean', 'report']],
      ['clean', ['extract'], ['load']],
      ['report', ['extract'], ['load']],
      ['load', ['clean', 'report'], []],
    ]);
    expect(dag.schedule).toEqual({ kind: 'cron', expression: '0 0 * * *', raw: '@daily' });
  });

  it('resolves deprecated trigger rules and forces depends_on_past for wait_for_downstream', () => {
    const j: any = validJson(); // eslint-disable-line @typescript-eslint/no-explicit-any
    task(j, 'load').trigger_rule = 'none_failed_or_skipped';
    task(j, 'report').wait_for_downstream = true;
    const dag = parseSerializedDag(j);
    expect(dag.tasks.find((t) => t.task_id === 'load')!.trigger_rule).toBe('none_failed_min_one_success');
    expect(dag.tasks.find((t) => t.task_id === 'report')!.depends_on_past).toBe(true);
  });

  it('replaces given downstream ids with derived ones and de-duplicates upstream ids', () => {
    const j: any = validJson(); // eslint-disable-line @typescript-eslint/no-explicit-any
    task(j, 'extract').downstream_task_ids = ['bogus'];
    task(j, 'load').upstream_task_ids = ['report', 'clean', 'report'];
    const dag = parseSerializedDag(j);
    expect(dag.tasks[0]!.downstream_task_ids).toEqual(['clean', 'report']);
    expect(dag.tasks[3]!.upstream_task_ids).toEqual(['clean', 'report']);
  });

  const cases: [string, Mutate, DagValidationCode, string][] = [
    ['not an object', () => 'nope', 'BAD_FIELD', 'dag: expected an object, got "nope"'],
    ['wrong format version', (d) => { d.format_version = 2; }, 'BAD_FIELD', 'dag.format_version'],
    ['missing field', (d) => { delete d.catchup; }, 'BAD_FIELD', 'dag.catchup'],
    ['unknown DAG field', (d) => { d.schedule_interval = '@daily'; }, 'BAD_FIELD', 'unknown field "schedule_interval"'],
    ['bad dag_id', (d) => { d.dag_id = 'has space'; }, 'BAD_FIELD', 'dag.dag_id'],
    ['too long dag_id', (d) => { d.dag_id = 'x'.repeat(251); }, 'BAD_FIELD', 'dag.dag_id'],
    ['catchup not boolean', (d) => { d.catchup = 'yes'; }, 'BAD_FIELD', 'dag.catchup: expected true or false, got "yes"'],
    ['bad time zone', (d) => { d.timezone = 'Mars/Olympus'; }, 'BAD_FIELD', 'dag.timezone'],
    ['start_date without zone', (d) => { d.start_date = '2024-01-01T00:00:00'; }, 'BAD_FIELD', 'dag.start_date'],
    ['start_date not a date', (d) => { d.start_date = '2024-13-45T00:00:00Z'; }, 'BAD_FIELD', 'dag.start_date'],
    ['negative max_active_runs', (d) => { d.max_active_runs = -1; }, 'BAD_FIELD', 'dag.max_active_runs'],
    ['fractional max_active_tasks', (d) => { d.max_active_tasks = 1.5; }, 'BAD_FIELD', 'dag.max_active_tasks'],
    ['tags not strings', (d) => { d.tags = [1]; }, 'BAD_FIELD', 'dag.tags[0]'],
    ['param without default', (d) => { d.params.n = { description: null, schema: {} }; }, 'BAD_FIELD', 'dag.params.n.default'],
    ['bad schedule', (d) => { d.schedule = { kind: 'cron', expression: '* * *', raw: '* * *' }; }, 'BAD_SCHEDULE', '"* * *"'],
    ['tasks not a list', (d) => { d.tasks = {}; }, 'BAD_FIELD', 'dag.tasks'],
    ['missing task field', (d) => { delete d.tasks[1].retries; }, 'BAD_FIELD', 'tasks[1].retries'],
    ['unknown task field', (d) => { d.tasks[0].task_concurrency = 2; }, 'BAD_FIELD', 'unknown field "task_concurrency"'],
    ['negative retries', (d) => { d.tasks[2].retries = -1; }, 'BAD_FIELD', 'tasks[2].retries: expected an integer >= 0, got -1'],
    ['negative retry_delay', (d) => { d.tasks[2].retry_delay = -5; }, 'BAD_FIELD', 'tasks[2].retry_delay'],
    ['zero pool_slots', (d) => { d.tasks[0].pool_slots = 0; }, 'BAD_FIELD', 'tasks[0].pool_slots'],
    ['empty pool', (d) => { d.tasks[0].pool = ''; }, 'BAD_FIELD', 'tasks[0].pool'],
    ['fractional priority_weight', (d) => { d.tasks[0].priority_weight = 1.5; }, 'BAD_FIELD', 'tasks[0].priority_weight'],
    ['bad weight rule', (d) => { d.tasks[0].weight_rule = 'sideways'; }, 'BAD_FIELD', 'tasks[0].weight_rule: expected one of downstream, upstream, absolute'],
    ['bad trigger rule', (d) => { d.tasks[3].trigger_rule = 'all_sucess'; }, 'BAD_TRIGGER_RULE', 'tasks[3].trigger_rule'],
    ['unknown kind', (d) => { d.tasks[0].kind = 'docker'; }, 'UNKNOWN_OPERATOR', 'tasks[0].kind'],
    ['args not JSON', (d) => { d.tasks[0].args = { n: Number.NaN }; }, 'BAD_FIELD', 'tasks[0].args.n'],
    ['executor_config not an object', (d) => { d.tasks[0].executor_config = 'pod'; }, 'BAD_FIELD', 'tasks[0].executor_config'],
    ['bad task id', (d) => { d.tasks[0].task_id = 'a/b'; }, 'BAD_FIELD', 'tasks[0].task_id'],
    ['duplicate task id', (d) => { d.tasks[2].task_id = 'clean'; }, 'DUPLICATE_TASK_ID', '"clean"'],
    ['unknown upstream', (d) => { d.tasks[3].upstream_task_ids = ['clean', 'transfrom']; }, 'UNKNOWN_UPSTREAM', 'task "load" depends on unknown task "transfrom"'],
    ['cycle', (d) => { d.tasks[0].upstream_task_ids = ['load']; }, 'CYCLE', 'extract -> clean -> load -> extract'],
    ['self dependency', (d) => { d.tasks[2].upstream_task_ids = ['report']; }, 'CYCLE', 'report -> report'],
    ['unknown task group', (d) => { d.tasks[1].task_group_id = 'nope'; }, 'BAD_FIELD', 'tasks.clean.task_group_id'],
    ['unknown parent group', (d) => { d.task_groups[0].parent_group_id = 'outer'; }, 'BAD_FIELD', 'parent_group_id'],
    ['max_active_tis_per_dag zero', (d) => { d.tasks[0].max_active_tis_per_dag = 0; }, 'BAD_FIELD', 'max_active_tis_per_dag'],
  ];
  it.each(cases)('rejects %s', (_label, mutate, code, fragment) => {
    const j = validJson();
    const input = mutate(j) ?? j;
    expectError(() => parseSerializedDag(input), code, fragment);
  });

  it('sets path on errors', () => {
    const j: any = validJson(); // eslint-disable-line @typescript-eslint/no-explicit-any
    j.tasks[2].retries = -1;
    expect(() => parseSerializedDag(j)).toThrow(expect.objectContaining({ path: 'tasks[2].retries', code: 'BAD_FIELD' }));
  });
});

describe('validateDagGraph / finalizeDag on DAGs built in code', () => {
  it('finalizeDag does not modify its argument', () => {
    const dag = makeDag([makeTask('a'), makeTask('b', { upstream_task_ids: ['a'] })]);
    const out = finalizeDag(dag);
    expect(dag.tasks[0]!.downstream_task_ids).toEqual([]);
    expect(out.tasks[0]!.downstream_task_ids).toEqual(['b']);
  });

  it.each([
    ['duplicate', makeDag([makeTask('a'), makeTask('a')]), 'DUPLICATE_TASK_ID'],
    ['negative retries', makeDag([makeTask('a', { retries: -2 })]), 'BAD_FIELD'],
    ['bad trigger rule', makeDag([makeTask('a', { trigger_rule: 'dummy' as never })]), 'BAD_TRIGGER_RULE'],
    ['bad weight rule', makeDag([makeTask('a', { weight_rule: 'heavy' as never })]), 'BAD_FIELD'],
    ['unknown upstream', makeDag([makeTask('a', { upstream_task_ids: ['x'] })]), 'UNKNOWN_UPSTREAM'],
    ['cycle', makeDag([makeTask('a', { upstream_task_ids: ['b'] }), makeTask('b', { upstream_task_ids: ['a'] })]), 'CYCLE'],
  ] as const)('%s', (_l, dag, code) => {
    expectError(() => validateDagGraph(dag), code, '');
  });

  it('accepts an empty DAG', () => {
    expect(finalizeDag(makeDag([])).tasks).toEqual([]);
  });
});
