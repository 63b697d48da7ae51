import type { SerializedDag } from '@windsock/dag-model';
import { describe, expect, it } from 'vitest';
import type { ImportErrorRecord } from '../declaration.ts';
import type { ParserOptionsInput } from '../normalize/options.ts';
import { loadYamlFile, YamlDagLoader } from './load.ts';

const BASH = 'airflow.operators.bash.BashOperator';

function ok(text: string, opts: ParserOptionsInput = {}): SerializedDag[] {
  const r = loadYamlFile('dag.yaml', text, opts);
  if (!r.ok) throw new Error(`import error: ${r.error.code} line ${r.error.line}: ${r.error.message}`);
  return r.dags;
}

function bad(text: string, opts: ParserOptionsInput = {}): ImportErrorRecord {
  const r = loadYamlFile('dag.yaml', text, opts);
  if (r.ok) throw new Error('expected an import error');
  return r.error;
}

const one = (text: string, opts?: ParserOptionsInput): SerializedDag => ok(text, opts)[0]!;

describe('loadYamlFile: YAML reading', () => {
  it('an empty file has no DAGs; a top level that is not a mapping is an error', () => {
    expect(ok('')).toEqual([]);
    expect(ok('# only a comment\n')).toEqual([]);
    expect(bad('- a\n- b\n')).toMatchObject({ code: 'INVALID_LAYOUT', line: 1 });
    expect(bad('d: 3\n')).toMatchObject({ code: 'INVALID_LAYOUT', line: 1 });
  });

  it('reads YAML 1.1 as PyYAML does: yes/no/on/off are booleans, y and n are strings', () => {
    const d = one(`d:\n  catchup: no\n  is_paused_upon_creation: on\n  tags: [y, n]\n  tasks: []\n`);
    expect([d.catchup, d.is_paused_upon_creation, d.tags]).toEqual([false, true, ['y', 'n', 'dagfactory']]);
  });

  it('supports anchors, << merge keys and !join', () => {
    // As in dag-factory, every top-level key but `default` is a DAG, the anchor holder too.
    const [common, d] = ok(`
common: &common
  operator: ${BASH}
  retries: 3
d:
  tasks:
    - task_id: a
      <<: *common
      bash_command: !join ["echo ", 1, " ", true]
    - task_id: b
      <<: *common
      retries: 0
      bash_command: echo b
`);
    expect([common!.dag_id, common!.tasks]).toEqual(['common', []]);
    expect(d!.tasks.map((t) => [t.task_id, t.retries, t.args.bash_command])).toEqual([['a', 3, 'echo 1 True'], ['b', 0, 'echo b']]);
  });

  it('expands $VAR and ${VAR} only from the configured variables', () => {
    const text = `d:\n  tasks:\n    - task_id: a\n      operator: ${BASH}\n      bash_command: echo $GREETING \${WHO} $UNSET\n`;
    expect(one(text, { yamlEnv: { GREETING: 'hi', WHO: 'you' } }).tasks[0]!.args.bash_command).toBe('echo hi you $UNSET');
    expect(one(text).tasks[0]!.args.bash_command).toBe('echo $GREETING ${WHO} $UNSET');
  });
});

describe('loadYamlFile: __type__ objects', () => {
  it('builds timedeltas (also as a schedule), datetimes and Params', () => {
    const d = one(`
d:
  schedule:
    __type__: datetime.timedelta
    hours: 2
    minutes: 30
  start_date:
    __type__: datetime.datetime
    __args__: [2024, 5, 6, 7, 8]
  end_date:
    __type__: pendulum.datetime
    year: 2025
    month: 1
    day: 1
    tz: Asia/Tokyo
  dagrun_timeout:
    __type__: datetime.timedelta
    __args__: [1]
  params:
    limit:
      __type__: airflow.models.param.Param
      __args__: [10]
      type: integer
      minimum: 1
  tasks: []
`);
    expect(d).toMatchObject({ schedule: { kind: 'delta', seconds: 9000 }, start_date: '2024-05-06T07:08:00.000Z',
      end_date: '2024-12-31T15:00:00.000Z', dagrun_timeout: 86_400,
      params: { limit: { default: 10, description: null, schema: { type: 'integer', minimum: 1 } } } });
  });

  it('turns Kubernetes models into Kubernetes JSON (own attributes camelCased, nested maps kept)', () => {
    const d = one(`
d:
  tasks:
    - task_id: p
      operator: airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator
      image: busybox
      security_context:
        __type__: kubernetes.client.models.V1PodSecurityContext
        run_as_user: 1000
        fs_group: null
      affinity:
        node_affinity:
          required_during_scheduling_ignored_during_execution: {}
      labels: {team_name: x}
`);
    expect(d.tasks[0]!.args).toEqual({
      image: 'busybox', security_context: { runAsUser: 1000 },
      affinity: { nodeAffinity: { required_during_scheduling_ignored_during_execution: {} } },
      labels: { team_name: 'x' },
    });
  });

  it('rejects a type it cannot build, pointing at its line', () => {
    const e = bad(`d:\n  tasks:\n    - task_id: a\n      operator: ${BASH}\n      bash_command: x\n      on_failure_callback:\n        __type__: my.module.Alert\n        channel: ops\n`);
    expect([e.code, e.line]).toEqual(['UNKNOWN_TYPE', 7]);
    expect(e.message).toContain('my.module.Alert');
  });
});

describe('loadYamlFile: dag-factory layout', () => {
  it('names a K8sOperator entry without task_id by its name', () => {
    const d = one(`d:\n  tasks:\n    - name: job\n      operator: windsock.operators.K8sOperator\n      cmd: run\n`);
    expect(d.tasks.map((t) => [t.task_id, t.args.name])).toEqual([['job', 'job']]);
    expect(bad(`d:\n  tasks:\n    - operator: ${BASH}\n      bash_command: x\n`)).toMatchObject({ code: 'INVALID_LAYOUT', line: 3 });
  });

  it('a group depending on a group: its roots depend on the other group\'s leaves', () => {
    const d = one(`
d:
  task_groups:
    first: {}
    second: {dependencies: [first]}
  tasks:
    a1: {operator: ${BASH}, bash_command: x, task_group_name: first}
    a2: {operator: ${BASH}, bash_command: x, task_group_name: first, dependencies: [a1]}
    a3: {operator: ${BASH}, bash_command: x, task_group_name: first}
    b1: {operator: ${BASH}, bash_command: x, task_group_name: second}
    b2: {operator: ${BASH}, bash_command: x, task_group_name: second, dependencies: [b1]}
`);
    expect(Object.fromEntries(d.tasks.map((t) => [t.task_id, t.upstream_task_ids]))).toEqual({
      'first.a1': [], 'first.a2': ['first.a1'], 'first.a3': [],
      'second.b1': ['first.a2', 'first.a3'], 'second.b2': ['second.b1'],
    });
  });

  it('prefix_group_id: false keeps the tasks\' own ids', () => {
    const d = one(`d:\n  task_groups:\n    - group_name: g\n      prefix_group_id: false\n  tasks:\n    - task_id: a\n      operator: ${BASH}\n      bash_command: x\n      task_group_name: g\n`);
    expect([d.tasks[0]!.task_id, d.tasks[0]!.task_group_id]).toEqual(['a', 'g']);
  });

  it('reports layout mistakes with their line', () => {
    const t = (extra: string) => `d:\n  tasks:\n    - task_id: a\n      operator: ${BASH}\n      bash_command: x\n${extra}`;
    expect(bad(t('    - task_id: a\n      operator: x.Y\n'))).toMatchObject({ code: 'DUPLICATE_ID', line: 6 });
    expect(bad(t('      task_group_name: nope\n'))).toMatchObject({ code: 'UNKNOWN_DEPENDENCY', line: 6 });
    expect(bad(t('      dependencies: a\n'))).toMatchObject({ code: 'INVALID_LAYOUT', line: 6 });
    expect(bad(t('    - task_id: b\n'))).toMatchObject({ code: 'MISSING_ARGUMENT', line: 6 });
    expect(bad(t('    - task_id: b\n      decorator: airflow.decorators.task\n'))).toMatchObject({ code: 'INVALID_LAYOUT' });
    expect(bad(`d:\n  tasks: 5\n`)).toMatchObject({ code: 'INVALID_LAYOUT', line: 2 });
    expect(bad(`d:\n  task_groups:\n    - group_name: g\n      parent_group_name: ghost\n  tasks: []\n`))
      .toMatchObject({ code: 'UNKNOWN_DEPENDENCY', line: 4 });
    expect(bad(`d:\n  task_groups:\n    - group_name: a\n  tasks:\n    - task_id: a\n      operator: ${BASH}\n      bash_command: x\n`))
      .toMatchObject({ code: 'DUPLICATE_ID' });
  });

  it('reads start_date in the DAG\'s `timezone` key, and "None" schedules as None', () => {
    const d = one(`d:\n  schedule_interval: None\n  timezone: America/Chicago\n  start_date: 2024-01-01\n  tasks: []\n`);
    expect([d.schedule, d.timezone, d.start_date]).toEqual([{ kind: 'none' }, 'America/Chicago', '2024-01-01T06:00:00.000Z']);
    expect(one(`d:\n  schedule_interval: null\n  tasks: []\n`).schedule).toEqual({ kind: 'none' });
    expect(one(`d:\n  tasks: []\n`).schedule).toEqual({ kind: 'delta', seconds: 86_400 });
  });

  it('points DAG-level errors at the key, also when it comes from the default block', () => {
    expect(bad(`default:\n  max_active_runs: lots\nd:\n  tasks: []\n`)).toMatchObject({ code: 'INVALID_ARGUMENT', line: 2 });
    expect(bad(`d:\n  schedule_interval: "61 * * * *"\n  tasks: []\n`)).toMatchObject({ code: 'INVALID_SCHEDULE', line: 2 });
  });
});

describe('YamlDagLoader', () => {
  it('loads through the DagFileLoader interface with raw options', async () => {
    const loader = new YamlDagLoader({ defaultTimezone: 'Asia/Tokyo', catchupByDefault: false });
    const r = await loader.load('x.yml', `d:\n  start_date: "2024-01-01"\n  tasks: []\n`);
    expect(r.ok && [r.dags[0]!.timezone, r.dags[0]!.start_date, r.dags[0]!.catchup])
      .toEqual(['Asia/Tokyo', '2023-12-31T15:00:00.000Z', false]);
  });
});

describe('Kubernetes manifests beside the DAGs', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: tpl\nspec:\n  containers:\n    - name: base\n      image: busybox\n';
  const spark = 'apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata:\n  name: s\nspec:\n  type: Python\n';
  it('a pod template, a SparkApplication and a multi-document file declare no DAG and are no import error', () => {
    for (const [file, text] of [['pod.yaml', pod], ['spark.yaml', spark], ['multi.yml', `${pod}---\n${pod.replace('kind: Pod', 'kind: ConfigMap')}`]] as const) {
      expect(loadYamlFile(file, text), file).toEqual({ ok: true, fileloc: file, dags: [] });
    }
  });
  it('a file mixing a manifest and anything else is read as a DAG file, with its errors', () => {
    const r = loadYamlFile('mixed.yaml', `${pod}---\nmy_dag:\n  tasks: []\n`);
    expect(r.ok).toBe(false);
    const dagNamedKind = loadYamlFile('kind.yaml', 'kind:\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo a\n');
    expect(dagNamedKind.ok && dagNamedKind.dags.map((d) => d.dag_id)).toEqual(['kind']);
  });
});
