/** The dag-factory fixtures of test/fixtures/dags-yaml, each loaded and asserted. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SerializedDag, SerializedTask } from '@windsock/dag-model';
import { describe, expect, it } from 'vitest';
import type { FileParseResult, ImportErrorRecord } from '../declaration.ts';
import { compileParserOptions } from '../normalize/options.ts';
import { loadYamlFile } from './load.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../test/fixtures/dags-yaml');
const opts = compileParserOptions({ operatorAliases: { 'dsp.operators.K8sOperator': 'windsock.operators.K8sOperator' } });

function load(rel: string, options = opts): FileParseResult {
  return loadYamlFile(rel, readFileSync(path.join(FIXTURES, rel), 'utf8'), options);
}

function dags(rel: string): SerializedDag[] {
  const r = load(rel);
  if (!r.ok) throw new Error(`${rel}: ${r.error.message}`);
  expect(r.fileloc).toBe(rel);
  return r.dags;
}

function failure(rel: string): ImportErrorRecord {
  const r = load(rel);
  if (r.ok) throw new Error(`${rel} loaded`);
  expect(r.error.filename).toBe(rel);
  return r.error;
}

const byId = (d: SerializedDag) => (id: string): SerializedTask => {
  const t = d.tasks.find((x) => x.task_id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
};
const edges = (d: SerializedDag) => Object.fromEntries(d.tasks.map((t) => [t.task_id, t.upstream_task_ids]));

describe('YAML fixtures', () => {
  it('chain.yaml: a chain with default_args, a timedelta, params and a time zone', () => {
    const [d] = dags('chain.yaml');
    expect(d).toMatchObject({
      dag_id: 'etl_chain', fileloc: 'chain.yaml', description: 'extract, transform and load in a row',
      schedule: { kind: 'cron', expression: '0 0 * * *', raw: '@daily' },
      timezone: 'Europe/Paris', start_date: '2023-12-31T23:00:00.000Z', catchup: false, max_active_runs: 1,
      tags: ['etl', 'team-a', 'dagfactory'], owners: ['data'],
      params: {
        batch_size: { default: 500, description: null, schema: {} },
        mode: { default: 'full', description: 'how much to reload', schema: { enum: ['full', 'incremental'] } },
      },
    });
    expect(edges(d!)).toEqual({ extract: [], transform: ['extract'], load: ['transform'] });
    const t = byId(d!);
    expect(t('extract')).toMatchObject({ operator: 'BashOperator', kind: 'bash', retries: 2, retry_delay: 300, owner: 'data',
      args: { bash_command: 'echo extract {{ ds }}', env: { STAGE: 'extract' } }, template_fields: ['bash_command', 'env'],
      downstream_task_ids: ['transform'] });
    expect(t('transform')).toMatchObject({ retries: 0,
      operator_path: 'airflow.providers.standard.operators.bash.BashOperator' });
    expect(t('load')).toMatchObject({ execution_timeout: 600, retries: 2, args: { bash_command: 'echo load' } });
  });

  it('fan_out_in.yml: fan-out and fan-in with an aware start date and task settings', () => {
    const [d] = dags('fan_out_in.yml');
    expect(d).toMatchObject({ schedule: { kind: 'cron', expression: '0 3 * * 1-5' }, timezone: '+01:00',
      start_date: '2024-03-01T05:00:00.000Z', catchup: true });
    expect(edges(d!)).toEqual({ start: [], part_a: ['start'], part_b: ['start'], part_c: ['start'],
      join: ['part_a', 'part_b', 'part_c'] });
    const t = byId(d!);
    expect(t('start')).toMatchObject({ kind: 'empty', operator: 'EmptyOperator', args: {},
      downstream_task_ids: ['part_a', 'part_b', 'part_c'] });
    expect(t('part_b')).toMatchObject({ pool: 'heavy', pool_slots: 2 });
    expect(t('part_c')).toMatchObject({ priority_weight: 10, weight_rule: 'absolute' });
    expect(t('join')).toMatchObject({ operator: 'DummyOperator', kind: 'empty', trigger_rule: 'none_failed_min_one_success' });
  });

  it('task_groups.yaml: nested groups, prefixed ids, group dependencies and group default_args', () => {
    const [d] = dags('task_groups.yaml');
    expect(d!.schedule).toEqual({ kind: 'none' });
    expect(d!.task_groups).toEqual([
      { group_id: 'transform', parent_group_id: null, tooltip: 'all the transformations' },
      { group_id: 'transform.clean', parent_group_id: 'transform', tooltip: '' },
    ]);
    // extract >> transform (its roots); clean >> enrich (clean's leaves); transform (its leaves) >> load.
    expect(edges(d!)).toEqual({
      extract: [],
      'transform.clean.dedupe': ['extract'],
      'transform.clean.validate': ['transform.clean.dedupe'],
      'transform.enrich': ['transform.clean.validate'],
      'transform.aggregate': ['extract'],
      load: ['transform.aggregate', 'transform.enrich'],
    });
    const t = byId(d!);
    expect([t('extract').retries, t('extract').queue]).toEqual([1, 'default']);
    expect([t('transform.clean.dedupe').retries, t('transform.clean.dedupe').queue, t('transform.clean.dedupe').task_group_id])
      .toEqual([5, 'transform-queue', 'transform.clean']);
    expect([t('transform.enrich').retries, t('transform.aggregate').retries, t('load').retries]).toEqual([0, 3, 1]);
  });

  it('kubernetes.yaml: K8sOperator (by name and through an alias), KubernetesPodOperator with Kubernetes objects', () => {
    const [d] = dags('kubernetes.yaml');
    expect(d!.tags).toEqual(['repo:sample_repo', 'dagfactory']);
    expect(edges(d!)).toEqual({ prepare: [], train: ['prepare'], score: ['train'], aggregate: ['score'] });
    const t = byId(d!);
    expect(t('prepare')).toMatchObject({ operator: 'K8sOperator', kind: 'pod', operator_path: 'windsock.operators.K8sOperator',
      args: { name: 'prepare', cmd: 'python /airflow/sample_repo/dags/dag1/scripts/main.py',
        image_tag: 'sample_repo.dag1.build_folder', env_vars: { environment: 'prod', database: 'warehouse' },
        resources: { cpu: 1, memory: '1Gi' }, node_group: 'cpu_intensive_1' },
      template_fields: ['cmd', 'env_vars'] });
    expect(t('train')).toMatchObject({ operator: 'K8sOperator', operator_path: 'dsp.operators.K8sOperator',
      args: { name: 'train-model', resources: { cpu: 4, memory: '16Gi', gpu: 1 } } });
    expect(t('score')).toMatchObject({ operator: 'KubernetesPodOperator', kind: 'pod',
      executor_config: { pod_override: { metadata: { labels: { team: 'ml' } } } } });
    expect(t('score').args).toEqual({
      namespace: 'ml', image: 'python:3.12-slim', cmds: ['python', '-c'], arguments: ["print('score')"],
      container_resources: { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '1', memory: '2Gi' } },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'ml-data' } }],
      volume_mounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      env_vars: [{ name: 'MODE', value: 'batch' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
      node_selector: { 'kubernetes.io/arch': 'amd64' },
    });
    expect(t('score').template_fields).toEqual(['image', 'cmds', 'arguments', 'env_vars', 'namespace',
      'container_resources', 'volumes', 'volume_mounts']);
    expect(t('aggregate')).toMatchObject({ operator: 'SparK8sOperator', kind: 'spark',
      args: { code_path: '/airflow/sample_repo/dags/sample_docker/scripts/main_spark.py', dynamic_allocation: true } });
  });

  it('kubernetes.yaml without the alias: the alias path is an unknown operator, on its line', () => {
    const r = load('kubernetes.yaml', compileParserOptions());
    expect(r.ok ? null : [r.error.code, r.error.line]).toEqual(['UNKNOWN_OPERATOR', 15]);
  });

  it('legacy_dict.yaml: tasks and groups as mappings, schedule_interval, concurrency and *_sec keys', () => {
    const [d] = dags('legacy_dict.yaml');
    expect(d).toMatchObject({ schedule: { kind: 'cron', expression: '*/15 * * * *' }, max_active_tasks: 4,
      dagrun_timeout: 3600, start_date: '2023-06-01T08:30:00.000Z', timezone: 'UTC', owners: ['legacy-team'],
      task_groups: [{ group_id: 'checks', parent_group_id: null, tooltip: 'data checks' }] });
    expect(edges(d!)).toEqual({ fetch: [], 'checks.check_rows': ['fetch'], 'checks.check_nulls': ['fetch'],
      publish: ['checks.check_nulls', 'checks.check_rows'] });
    const t = byId(d!);
    expect(t('fetch')).toMatchObject({ operator_path: 'airflow.operators.bash_operator.BashOperator', retry_delay: 60,
      retries: 1, owner: 'legacy-team' });
    expect(t('publish').kind).toBe('empty');
  });

  it('defaults.yaml: the default block is merged into every DAG, which may override it', () => {
    const [a, b] = dags('defaults.yaml');
    expect(a).toMatchObject({ dag_id: 'nightly_a', description: 'uses every default',
      schedule: { kind: 'cron', expression: '0 2 * * *' }, catchup: false, max_active_tasks: 8,
      start_date: '2024-02-01T00:00:00.000Z', owners: ['platform'] });
    expect(a!.tasks.map((t) => [t.task_id, t.retries])).toEqual([['hello', 1]]);
    expect(b).toMatchObject({ dag_id: 'nightly_b', schedule: { kind: 'cron', raw: '@weekly' }, catchup: true,
      max_active_tasks: 8, start_date: '2024-02-01T00:00:00.000Z', owners: ['platform'] });
    expect(b!.tasks.map((t) => [t.task_id, t.retries])).toEqual([['goodbye', 4]]);
  });
});

describe('broken YAML fixtures become one import error for the file', () => {
  it('syntax error: its line', () => {
    const e = failure('broken/syntax.yaml');
    expect([e.code, e.line]).toEqual(['YAML_SYNTAX', 7]);
    expect(e.message).toMatch(/^YAML syntax error: /);
  });

  it('unknown operator: the operator line, naming the path', () => {
    const e = failure('broken/unknown_operator.yaml');
    expect([e.code, e.line]).toEqual(['UNKNOWN_OPERATOR', 8]);
    expect(e.message).toContain("task 'mystery'");
    expect(e.message).toContain('airflow.providers.fancy.operators.MagicOperator');
  });

  it('cycle: the tasks on the cycle', () => {
    const e = failure('broken/cycle.yaml');
    expect([e.code, e.line]).toEqual(['CYCLE', 4]);
    expect(e.message).toContain('a -> b -> c -> a');
  });

  it('unknown dependency: the dependencies line, naming the missing name', () => {
    const e = failure('broken/unknown_dependency.yaml');
    expect([e.code, e.line]).toEqual(['UNKNOWN_DEPENDENCY', 8]);
    expect(e.message).toContain("'nowhere'");
  });

  it('bad schedule: the schedule line', () => {
    const e = failure('broken/bad_schedule.yaml');
    expect([e.code, e.line]).toEqual(['INVALID_SCHEDULE', 3]);
    expect(e.message).toContain("DAG 'bad_schedule', field 'schedule'");
  });

  it('one bad DAG among good ones fails the whole file', () => {
    const e = failure('broken/one_bad_dag.yaml');
    expect([e.code, e.line]).toEqual(['INVALID_ARGUMENT', 9]);
    expect(e.message).toBe("DAG 'bad_dag', task 'b', field 'retries': must be an integer, got 'many'");
  });
});
