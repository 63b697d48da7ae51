import { describe, expect, it } from 'vitest';
import { MacroError } from './errors.ts';
import type { TemplateDagRun } from './template-macros.ts';
import { buildTemplateContext, ds, dsAdd, dsFormat, dsNodash, macros, ts, tsNodash, tsNodashWithTz } from './template-macros.ts';
import { makeDag, makeTask } from './test-fixtures.ts';

const LOGICAL = new Date('2024-01-01T00:00:00Z');

describe('date helpers', () => {
  it.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01', '20240101', '2024-01-01T00:00:00+00:00', '20240101T000000', '20240101T000000+0000'],
    ['2024-12-31T23:59:58.250Z', '2024-12-31', '20241231', '2024-12-31T23:59:58.250000+00:00', '20241231T235958', '20241231T235958.250000+0000'],
  ])('%s', (iso, d, dn, t, tn, tnz) => {
    const date = new Date(iso);
    expect([ds(date), dsNodash(date), ts(date), tsNodash(date), tsNodashWithTz(date)]).toEqual([d, dn, t, tn, tnz]);
  });
});

describe('macros', () => {
  // Values from CPython running Airflow's airflow/macros/__init__.py definitions.
  it.each([
    ['2024-02-28', 1, '2024-02-29'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2023-12-31', 1, '2024-01-01'],
    ['2024-01-01', -366, '2022-12-31'],
    ['2024-01-01', 0, '2024-01-01'],
  ])('ds_add(%s, %i) = %s', (d, n, expected) => {
    expect(dsAdd(d, n)).toBe(expected);
    expect(macros.ds_add(d, n)).toBe(expected);
  });

  it.each([
    ['2015-01-05', '%Y-%m-%d', '%m-%d-%y', '01-05-15'],
    ['1/5/2015', '%m/%d/%Y', '%Y-%m-%d', '2015-01-05'],
    ['2024-03-05', '%Y-%m-%d', '%A %d %B %Y (day %j)', 'Tuesday 05 March 2024 (day 065)'],
  ])('ds_format(%s, %s, %s) = %s', (d, inFmt, outFmt, expected) => {
    expect(dsFormat(d, inFmt, outFmt)).toBe(expected);
  });

  it('bad input raises MacroError', () => {
    expect(() => dsAdd('2024-13-01', 1)).toThrow(MacroError);
    expect(() => dsAdd('2024-01-01', 1.5)).toThrow(MacroError);
    expect(() => dsFormat('2024/01/01', '%Y-%m-%d', '%Y')).toThrow(MacroError);
  });
});

describe('buildTemplateContext', () => {
  const dag = makeDag([makeTask('load', { owner: 'data', args: { bash_command: 'echo {{ ds }}' } })], {
    dag_id: 'etl',
    params: {
      n: { default: 3, description: null, schema: {} },
      mode: { default: 'full', description: null, schema: {} },
    },
  });
  const task = dag.tasks[0]!;
  const scheduled: TemplateDagRun = {
    run_id: 'scheduled__2024-01-01T00:00:00+00:00', run_type: 'scheduled', logical_date: LOGICAL,
    data_interval_start: LOGICAL, data_interval_end: new Date('2024-01-02T00:00:00Z'), conf: { mode: 'delta', extra: true },
  };

  it('has Airflow\'s keys and values for a scheduled @daily run', () => {
    const ctx = buildTemplateContext({ dag, task, run: scheduled, tryNumber: 2 });
    expect(ctx).toMatchObject({
      ds: '2024-01-01',
      ds_nodash: '20240101',
      ts: '2024-01-01T00:00:00+00:00',
      ts_nodash: '20240101T000000',
      ts_nodash_with_tz: '20240101T000000+0000',
      logical_date: '2024-01-01T00:00:00+00:00',
      execution_date: '2024-01-01T00:00:00+00:00',
      data_interval_start: '2024-01-01T00:00:00+00:00',
      data_interval_end: '2024-01-02T00:00:00+00:00',
      prev_ds: '2023-12-31',
      next_ds: '2024-01-02',
      prev_execution_date: '2023-12-31T00:00:00+00:00',
      next_execution_date: '2024-01-02T00:00:00+00:00',
      yesterday_ds: '2023-12-31',
      tomorrow_ds_nodash: '20240102',
      run_id: 'scheduled__2024-01-01T00:00:00+00:00',
      try_number: 2,
      task_instance_key_str: 'etl__load__20240101',
      test_mode: false,
      prev_start_date_success: null,
      dag_run: { dag_id: 'etl', run_type: 'scheduled', external_trigger: false, conf: { mode: 'delta', extra: true } },
      dag: { dag_id: 'etl', timetable_summary: '0 0 * * *' },
      task: { task_id: 'load', owner: 'data', bash_command: 'echo {{ ds }}', trigger_rule: 'all_success' },
    });
    expect(ctx.macros).toBe(macros);
  });

  it('the run conf overrides params (dag_run_conf_overrides_params), unless switched off', () => {
    expect(buildTemplateContext({ dag, task, run: scheduled, tryNumber: 1 }).params).toEqual({ n: 3, mode: 'delta', extra: true });
    expect(buildTemplateContext({ dag, task, run: scheduled, tryNumber: 1, dagRunConfOverridesParams: false }).params)
      .toEqual({ n: 3, mode: 'full' });
  });

  it('a manual run\'s prev/next execution dates are its own logical date', () => {
    const manual: TemplateDagRun = { ...scheduled, run_type: 'manual', run_id: 'manual__x', logical_date: new Date('2024-01-05T10:30:00Z') };
    const ctx = buildTemplateContext({ dag, task, run: manual, tryNumber: 1 });
    expect([ctx.prev_ds, ctx.next_ds, ctx.ds]).toEqual(['2024-01-05', '2024-01-05', '2024-01-05']);
    expect((ctx.dag_run as { external_trigger: boolean }).external_trigger).toBe(true);
  });

  it('once / none schedules have no previous or next date', () => {
    const once = { ...dag, schedule: { kind: 'once' as const } };
    const ctx = buildTemplateContext({ dag: once, task, run: scheduled, tryNumber: 1 });
    expect([ctx.prev_ds, ctx.next_ds, ctx.prev_execution_date]).toEqual([null, null, null]);
  });

  it('prev_*_success come from the previous successful run', () => {
    const ctx = buildTemplateContext({
      dag, task, run: scheduled, tryNumber: 1,
      previousSuccess: { data_interval_start: new Date('2023-12-31T00:00:00Z'), data_interval_end: LOGICAL, start_date: new Date('2024-01-01T00:00:05Z'), end_date: null },
    });
    expect([ctx.prev_data_interval_start_success, ctx.prev_data_interval_end_success, ctx.prev_start_date_success, ctx.prev_end_date_success])
      .toEqual(['2023-12-31T00:00:00+00:00', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:05+00:00', null]);
  });

  it('a run without logical date (Airflow 3) leaves the date keys out', () => {
    const ctx = buildTemplateContext({ dag, task, run: { ...scheduled, logical_date: null, data_interval_start: null, data_interval_end: null }, tryNumber: 1, mapIndex: 4 });
    expect(ctx).not.toHaveProperty('ds');
    expect(ctx).not.toHaveProperty('ts');
    expect(ctx).toMatchObject({ data_interval_start: null, map_index: 4, task_instance_key_str: 'etl__load__scheduled__2024-01-01T00:00:00+00:00' });
  });

  it('is plain JSON apart from the macros', () => {
    const { macros: _m, ...rest } = buildTemplateContext({ dag, task, run: scheduled, tryNumber: 1 });
    expect(JSON.parse(JSON.stringify(rest))).toEqual(rest);
  });
});
