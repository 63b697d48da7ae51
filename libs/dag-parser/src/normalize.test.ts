import { describe, expect, it } from 'vitest';
import type { DagDeclaration, TaskDeclaration } from './declaration.ts';
import { DagDeclarationError } from './errors.ts';
import { normalizeDeclaration } from './normalize.ts';
import { compileParserOptions, type ParserOptionsInput } from './normalize/options.ts';

const BASH = 'airflow.operators.bash.BashOperator';
const EMPTY = 'airflow.operators.empty.EmptyOperator';
const KPO = 'airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator';
const K8S = 'windsock.operators.K8sOperator';

function task(task_id: string, kwargs: Record<string, unknown> = {}, extra: Partial<TaskDeclaration> = {}): TaskDeclaration {
  return { task_id, operator_path: BASH, kwargs: { bash_command: `echo ${task_id}`, ...kwargs },
    task_group_id: null, upstream: [], ...extra };
}

function dag(over: Partial<DagDeclaration> = {}): DagDeclaration {
  return { dag_id: 'd', fileloc: 'dags/d.py', kwargs: {}, default_args: {}, task_groups: [], tasks: [task('t')], ...over };
}

const normalize = (d: DagDeclaration, o: ParserOptionsInput = {}) => normalizeDeclaration(d, compileParserOptions(o));

function errorOf(fn: () => unknown): DagDeclarationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DagDeclarationError) return err;
    throw err;
  }
  throw new Error('expected a DagDeclarationError');
}

describe('normalizeDeclaration: BaseOperator defaults', () => {
  it('fills every task field with Airflow\'s defaults', () => {
    const t = normalize(dag()).tasks[0]!;
    expect(t).toEqual({
      task_id: 't', operator: 'BashOperator', operator_path: BASH, kind: 'bash',
      upstream_task_ids: [], downstream_task_ids: [], trigger_rule: 'all_success', retries: 0, retry_delay: 300,
      retry_exponential_backoff: false, max_retry_delay: null, execution_timeout: null, depends_on_past: false,
      wait_for_downstream: false, pool: 'default_pool', pool_slots: 1, queue: 'default', priority_weight: 1,
      weight_rule: 'downstream', max_active_tis_per_dag: null, max_active_tis_per_dagrun: null, task_group_id: null,
      owner: 'airflow', doc_md: null, template_fields: ['bash_command'], args: { bash_command: 'echo t' },
      executor_config: null,
    });
  });

  it('records run_as_user (a name, or a uid as YAML often gives it), from the task or default_args', () => {
    expect(normalize(dag({ tasks: [task('t', { run_as_user: 'etl' })] })).tasks[0]!.run_as_user).toBe('etl');
    expect(normalize(dag({ tasks: [task('t', { run_as_user: 1000 })] })).tasks[0]!.run_as_user).toBe('1000');
    expect(normalize(dag({ default_args: { run_as_user: 'etl' } })).tasks[0]!.run_as_user).toBe('etl');
    expect(errorOf(() => normalize(dag({ tasks: [task('t', { run_as_user: ['x'] })] }))).message).toMatch(/run_as_user/);
  });

  it('fills the DAG fields with the configured defaults', () => {
    const d = normalize(dag());
    expect(d).toMatchObject({
      format_version: 1, dag_id: 'd', fileloc: 'dags/d.py', schedule: { kind: 'delta', seconds: 86_400 },
      timezone: 'UTC', start_date: null, end_date: null, catchup: true, max_active_runs: 16, max_active_tasks: 16,
      max_consecutive_failed_dag_runs: 0, dagrun_timeout: null, tags: [], owners: ['airflow'], params: {},
      is_paused_upon_creation: null, render_template_as_native_obj: false,
    });
    const o = normalize(dag(), { catchupByDefault: false, defaultRetries: 3, maxActiveRunsPerDag: 2, defaultOwner: 'ops' });
    expect([o.catchup, o.max_active_runs, o.tasks[0]!.retries, o.owners]).toEqual([false, 2, 3, ['ops']]);
  });

  it('takes retries as an integer string, as Airflow does, and rejects anything else naming the field', () => {
    expect(normalize(dag({ tasks: [task('t', { retries: '3' })] })).tasks[0]!.retries).toBe(3);
    const err = errorOf(() => normalize(dag({ tasks: [task('t', { retries: 'many' }, { line: 12 })] })));
    expect([err.code, err.dagId, err.taskId, err.field, err.line]).toEqual(['INVALID_ARGUMENT', 'd', 't', 'retries', 12]);
    expect(err.message).toContain("DAG 'd', task 't', field 'retries'");
  });

  it('wait_for_downstream forces depends_on_past', () => {
    const t = normalize(dag({ tasks: [task('t', { wait_for_downstream: true, depends_on_past: false })] })).tasks[0]!;
    expect([t.wait_for_downstream, t.depends_on_past]).toEqual([true, true]);
  });

  it('reads timedeltas as seconds and validates pools, weights and trigger rules', () => {
    const t = normalize(dag({ tasks: [task('t', {
      retry_delay: { __type: 'timedelta', seconds: 90 }, execution_timeout: { __type: 'timedelta', seconds: 3600 },
      max_retry_delay: 600, pool: 'p', pool_slots: 3, priority_weight: 7, weight_rule: 'absolute',
      trigger_rule: 'dummy', task_concurrency: 2,
    })] })).tasks[0]!;
    expect(t).toMatchObject({ retry_delay: 90, execution_timeout: 3600, max_retry_delay: 600, pool: 'p', pool_slots: 3,
      priority_weight: 7, weight_rule: 'absolute', trigger_rule: 'always', max_active_tis_per_dag: 2 });
    expect(errorOf(() => normalize(dag({ tasks: [task('t', { pool_slots: 0 })] }))).field).toBe('pool_slots');
    expect(errorOf(() => normalize(dag({ tasks: [task('t', { weight_rule: 'sideways' })] }))).field).toBe('weight_rule');
    const tr = errorOf(() => normalize(dag({ tasks: [task('t', { trigger_rule: 'sometimes' })] })));
    expect([tr.code, tr.field]).toEqual(['INVALID_ARGUMENT', 'trigger_rule']);
  });
});

describe('normalizeDeclaration: default_args', () => {
  it('explicit kwargs win over task-group default_args, which win over the DAG\'s', () => {
    const d = normalize(dag({
      default_args: { retries: 1, owner: 'dag-owner', queue: 'q-dag', pool: 'p-dag' },
      task_groups: [
        { group_id: 'g', parent_group_id: null, default_args: { retries: 2, queue: 'q-g' } },
        { group_id: 'g.inner', parent_group_id: 'g', default_args: { retries: 3 } },
      ],
      tasks: [
        task('top'),
        task('g.a', {}, { task_group_id: 'g' }),
        task('g.inner.b', {}, { task_group_id: 'g.inner' }),
        task('g.inner.c', { retries: 0, pool: 'mine' }, { task_group_id: 'g.inner' }),
      ],
    }));
    const pick = (id: string) => {
      const t = d.tasks.find((x) => x.task_id === id)!;
      return [t.retries, t.queue, t.pool, t.owner];
    };
    expect(pick('top')).toEqual([1, 'q-dag', 'p-dag', 'dag-owner']);
    expect(pick('g.a')).toEqual([2, 'q-g', 'p-dag', 'dag-owner']);
    expect(pick('g.inner.b')).toEqual([3, 'q-g', 'p-dag', 'dag-owner']);
    expect(pick('g.inner.c')).toEqual([0, 'q-g', 'mine', 'dag-owner']);
  });

  it('supplies only the arguments the operator takes (apply_defaults looks at the signature)', () => {
    const d = normalize(dag({
      default_args: { bash_command: 'echo default', env: { A: '1' }, email: 'x@y.z', start_date: '2024-01-01' },
      tasks: [
        { task_id: 'b', operator_path: BASH, kwargs: {}, task_group_id: null, upstream: [] },
        { task_id: 'e', operator_path: EMPTY, kwargs: {}, task_group_id: null, upstream: [] },
      ],
    }));
    expect(d.tasks[0]!.args).toEqual({ bash_command: 'echo default', env: { A: '1' } });
    expect(d.tasks[0]!.template_fields).toEqual(['bash_command', 'env']);
    expect(d.tasks[1]!.args).toEqual({});
  });

  it('takes start_date from default_args, and merges default_args params over params', () => {
    const d = normalize(dag({
      kwargs: { params: { a: 1, b: 2 } },
      default_args: { start_date: { __type: 'datetime', value: '2024-01-01T00:00:00+00:00', tz: 'UTC' }, params: { b: 3 } },
    }));
    expect(d.start_date).toBe('2024-01-01T00:00:00.000Z');
    expect(d.params).toEqual({
      a: { default: 1, description: null, schema: {} },
      b: { default: 3, description: null, schema: {} },
    });
  });
});

describe('normalizeDeclaration: operators', () => {
  it('rejects an argument a strict operator does not take, and keeps unknown ones for Kubernetes operators', () => {
    const err = errorOf(() => normalize(dag({ tasks: [task('t', { colour: 'red' })] })));
    expect([err.code, err.field]).toEqual(['UNEXPECTED_ARGUMENT', 'colour']);
    const d = normalize(dag({ tasks: [{ task_id: 'p', operator_path: KPO, task_group_id: null, upstream: [],
      kwargs: { image: 'busybox', some_future_arg: 1, retries: 2 } }] }));
    expect(d.tasks[0]!.args).toEqual({ image: 'busybox', some_future_arg: 1 });
    expect(d.tasks[0]!.retries).toBe(2);
  });

  it('needs the required arguments', () => {
    const err = errorOf(() => normalize(dag({ tasks: [{ task_id: 't', operator_path: BASH, kwargs: {}, task_group_id: null, upstream: [] }] })));
    expect([err.code, err.field]).toEqual(['MISSING_ARGUMENT', 'bash_command']);
  });

  it('uses K8sOperator\'s name as its task id (prefixed by its group) unless task_id is given', () => {
    const k8s = (task_id: string, kwargs: Record<string, unknown>, group: string | null = null): TaskDeclaration =>
      ({ task_id, operator_path: K8S, kwargs, task_group_id: group, upstream: [] });
    const d = normalize(dag({
      task_groups: [{ group_id: 'g', parent_group_id: null }],
      tasks: [k8s('', { name: 'prep', cmd: 'run' }), k8s('', { name: 'inner' }, 'g'), k8s('explicit', { name: 'pod-name' })],
    }));
    expect(d.tasks.map((t) => [t.task_id, t.kind, t.operator, t.args.name])).toEqual([
      ['prep', 'pod', 'K8sOperator', 'prep'], ['g.inner', 'pod', 'K8sOperator', 'inner'],
      ['explicit', 'pod', 'K8sOperator', 'pod-name'],
    ]);
    expect(errorOf(() => normalize(dag({ tasks: [k8s('', { cmd: 'x' })] }))).code).toBe('MISSING_ARGUMENT');
  });

  it('resolves operator aliases and names unknown operators', () => {
    const aliased = normalize(dag({ tasks: [{ task_id: 'k', operator_path: 'dsp.operators.K8sOperator', kwargs: {},
      task_group_id: null, upstream: [] }] }), { operatorAliases: { 'dsp.operators.K8sOperator': K8S } });
    expect([aliased.tasks[0]!.operator, aliased.tasks[0]!.operator_path]).toEqual(['K8sOperator', 'dsp.operators.K8sOperator']);
    const err = errorOf(() => normalize(dag({ tasks: [task('t', {}, { operator_path: 'x.y.Z' })] })));
    expect([err.code, err.taskId, err.field]).toEqual(['UNKNOWN_OPERATOR', 't', 'operator']);
    expect(err.message).toContain('x.y.Z');
  });
});

describe('normalizeDeclaration: schedules', () => {
  const schedule = (kwargs: Record<string, unknown>) => normalize(dag({ kwargs })).schedule;

  it('reads cron, presets, None, timedeltas and the legacy keys', () => {
    expect(schedule({ schedule: '@daily' })).toEqual({ kind: 'cron', expression: '0 0 * * *', raw: '@daily' });
    expect(schedule({ schedule: '*/5 * * * *' })).toMatchObject({ kind: 'cron', expression: '*/5 * * * *' });
    expect(schedule({ schedule: null })).toEqual({ kind: 'none' });
    expect(schedule({ schedule: '@once' })).toEqual({ kind: 'once' });
    expect(schedule({ schedule: { __type: 'timedelta', seconds: 1800 } })).toEqual({ kind: 'delta', seconds: 1800 });
    expect(schedule({ schedule_interval: '@hourly' })).toMatchObject({ kind: 'cron', expression: '0 * * * *' });
    expect(schedule({ timetable: { callable: 'airflow.timetables.interval.CronDataIntervalTimetable',
      params: { cron: '0 6 * * *', timezone: 'UTC' } } })).toMatchObject({ kind: 'cron', expression: '0 6 * * *' });
    expect(schedule({ timetable: { __type: 'airflow.timetables.simple.NullTimetable' } })).toEqual({ kind: 'none' });
  });

  it('rejects bad and unsupported schedules naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ schedule: 'every tuesday' }, 'schedule'],
      [{ schedule: '@continuous' }, 'schedule'],
      [{ schedule: [{ __type: 'dataset', uri: 's3://x' }] }, 'schedule'],
      [{ schedule: { __type: 'timedelta', seconds: 0 } }, 'schedule'],
      [{ schedule: '@daily', schedule_interval: '@hourly' }, 'schedule/schedule_interval'],
      [{ timetable: { callable: 'my.CustomTimetable' } }, 'timetable'],
    ];
    for (const [kwargs, field] of cases) {
      const err = errorOf(() => schedule(kwargs));
      expect([err.code, err.field]).toEqual(['INVALID_SCHEDULE', field]);
    }
  });
});

describe('normalizeDeclaration: dates and time zones', () => {
  it('takes the DAG time zone from an aware start_date', () => {
    const d = normalize(dag({ kwargs: {
      start_date: { __type: 'datetime', value: '2024-01-01T00:00:00+01:00', tz: 'Europe/Paris' },
    } }));
    expect([d.start_date, d.timezone]).toEqual(['2023-12-31T23:00:00.000Z', 'Europe/Paris']);
  });

  it('reads naive dates in the default time zone, which is then the DAG\'s', () => {
    const d = normalize(dag({ kwargs: { start_date: '2024-07-01', end_date: '2024-12-31T18:30:00' } }),
      { defaultTimezone: 'America/New_York' });
    expect([d.start_date, d.end_date, d.timezone])
      .toEqual(['2024-07-01T04:00:00.000Z', '2024-12-31T23:30:00.000Z', 'America/New_York']);
  });

  it('reads a naive tag with a zone in that zone, across a DST change', () => {
    const d = normalize(dag({ kwargs: { start_date: { __type: 'datetime', value: '2024-03-31T03:30:00', tz: 'Europe/Paris' } } }));
    expect([d.start_date, d.timezone]).toEqual(['2024-03-31T01:30:00.000Z', 'Europe/Paris']);
  });

  it('names the field of an unreadable date or zone', () => {
    const bad = errorOf(() => normalize(dag({ kwargs: { start_date: 'yesterday' } })));
    expect([bad.code, bad.field]).toEqual(['INVALID_DATE', 'start_date']);
    const zone = errorOf(() => normalize(dag({ kwargs: { start_date: { __type: 'datetime', value: '2024-01-01T00:00:00', tz: 'Mars/Olympus' } } })));
    expect([zone.code, zone.field]).toEqual(['INVALID_DATE', 'start_date']);
  });
});

describe('normalizeDeclaration: DAG fields', () => {
  it('reads params, plain and Param', () => {
    const d = normalize(dag({ kwargs: { params: {
      n: 5,
      mode: { __type: 'param', default: 'full', description: 'load mode', schema: { type: 'string', enum: ['full', 'delta'] } },
      needed: { __type: 'param', description: null, schema: { type: 'integer' } },
    } } }));
    expect(d.params).toEqual({
      n: { default: 5, description: null, schema: {} },
      mode: { default: 'full', description: 'load mode', schema: { type: 'string', enum: ['full', 'delta'] } },
      needed: { default: null, description: null, schema: { type: 'integer' } },
    });
    const err = errorOf(() => normalize(dag({ kwargs: { params: { n: { __type: 'param', default: 'x', schema: { type: 'integer' } } } } })));
    expect([err.code, err.field]).toEqual(['INVALID_ARGUMENT', 'params.n']);
  });

  it('reads tags, owners, concurrency and the other DAG keys', () => {
    const d = normalize(dag({
      kwargs: { tags: ['a', 'b', 'a'], concurrency: 3, max_active_runs: 2, dagrun_timeout: { __type: 'timedelta', seconds: 60 },
        description: 'x', doc_md: '# doc', is_paused_upon_creation: true, render_template_as_native_obj: true,
        max_consecutive_failed_dag_runs: 4, catchup: false },
      tasks: [task('a', { owner: 'zed' }), task('b', { owner: 'amy' }), task('c', { owner: 'zed' })],
    }));
    expect(d).toMatchObject({ tags: ['a', 'b'], owners: ['amy', 'zed'], max_active_tasks: 3, max_active_runs: 2,
      dagrun_timeout: 60, description: 'x', doc_md: '# doc', is_paused_upon_creation: true,
      render_template_as_native_obj: true, max_consecutive_failed_dag_runs: 4, catchup: false });
    expect(errorOf(() => normalize(dag({ kwargs: { tags: 'one' } }))).field).toBe('tags');
    expect(errorOf(() => normalize(dag({ kwargs: { catchup: 'yes' } }))).field).toBe('catchup');
    expect(errorOf(() => normalize(dag({ dag_id: 'bad id!' }))).field).toBe('dag_id');
  });
});

describe('normalizeDeclaration: graph', () => {
  it('fills downstream ids from upstream ids, sorted', () => {
    const d = normalize(dag({ tasks: [task('a'), task('c', {}, { upstream: ['a'] }), task('b', {}, { upstream: ['a', 'a'] })] }));
    expect(d.tasks.map((t) => [t.task_id, t.upstream_task_ids, t.downstream_task_ids])).toEqual([
      ['a', [], ['b', 'c']], ['c', ['a'], []], ['b', ['a'], []],
    ]);
  });

  it('reports duplicates, unknown upstreams, unknown groups and cycles with the task', () => {
    const dup = errorOf(() => normalize(dag({ tasks: [task('a'), task('a')] })));
    expect([dup.code, dup.taskId]).toEqual(['DUPLICATE_ID', 'a']);
    const unknown = errorOf(() => normalize(dag({ tasks: [task('a', {}, { upstream: ['ghost'], line: 7 })] })));
    expect([unknown.code, unknown.taskId, unknown.line]).toEqual(['UNKNOWN_DEPENDENCY', 'a', 7]);
    expect(unknown.message).toContain('ghost');
    const group = errorOf(() => normalize(dag({ tasks: [task('g.a', {}, { task_group_id: 'g' })] })));
    expect(group.code).toBe('UNKNOWN_DEPENDENCY');
    const cycle = errorOf(() => normalize(dag({ tasks: [
      task('a', {}, { upstream: ['c'] }), task('b', {}, { upstream: ['a'] }), task('c', {}, { upstream: ['b'] }),
    ] })));
    expect(cycle.code).toBe('CYCLE');
    expect(cycle.message).toMatch(/a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
    const nested = errorOf(() => normalize(dag({ task_groups: [
      { group_id: 'x', parent_group_id: 'y' }, { group_id: 'y', parent_group_id: 'x' },
    ] })));
    expect(nested.code).toBe('CYCLE');
  });
});
