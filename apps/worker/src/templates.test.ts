/**
 * Airflow's rendering rules, through the real renderer (Jinja2 in Pyodide in the template process). One renderer
 * for the file: its interpreter boots once (seconds), then each render costs about a millisecond.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTemplateSyntax, renderPlain, TemplateError, TemplateRenderer, type FetchTemplateData, type TemplateNeeds, type TemplateTry } from './templates.ts';
import { resolveXComArgs } from './context.ts';

const CANARY = 'canary-templates-5b1e9';
const tryCtx: TemplateTry = {
  context: {
    ds: '2024-03-05', ds_nodash: '20240305', ts: '2024-03-05T06:30:00+00:00', run_id: 'manual__x',
    logical_date: '2024-03-05T06:30:00+00:00', data_interval_start: '2024-03-05T06:30:00+00:00', prev_data_interval_start_success: null,
    params: { rows: 10, flag: true, opt: null, tags: ['a', 'b'] },
    dag_run: { dag_id: 'd', run_id: 'manual__x', conf: { k: [1, 'two', false] }, logical_date: '2024-03-05T06:30:00+00:00', external_trigger: true },
    dag: { dag_id: 'd' }, task: { task_id: 't', operator_name: 'BashOperator' },
  },
  ti: { dag_id: 'd', task_id: 't', run_id: 'manual__x', try_number: 1, map_index: -1 },
  native: false,
};
const noData: FetchTemplateData = async () => ({});

let r: TemplateRenderer;
beforeAll(async () => {
  process.env.WINDSOCK_TEMPLATE_CANARY = CANARY; // the worker's environment: the template process must not see it
  r = new TemplateRenderer({ idleReleaseMs: 0 });
  await r.warmUp();
}, 120_000);
afterAll(() => r?.close());

const one = async (template: unknown, fetch: FetchTemplateData = noData, ctx: TemplateTry = tryCtx) =>
  (await r.renderArgs({ f: template }, ['f'], ctx, fetch)).rendered.f;
const failure = async (template: string, fetch: FetchTemplateData = noData): Promise<string> => {
  const err = await r.renderArgs({ f: template }, ['f'], tryCtx, fetch).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TemplateError);
  return (err as Error).message;
};

describe('templates', () => {
  it('renders only template fields, recursively, dict keys untouched', async () => {
    const { rendered, renderedFields } = await r.renderArgs({ bash_command: 'echo {{ ds }}', env: { '{{ ds }}': '{{ ds_nodash }}', n: 3 }, image: '{{ ds }}' }, ['bash_command', 'env'], tryCtx, noData);
    expect(rendered).toEqual({ bash_command: 'echo 2024-03-05', env: { '{{ ds }}': '20240305', n: 3 }, image: '{{ ds }}' });
    expect(renderedFields).toEqual({ bash_command: 'echo 2024-03-05', env: { '{{ ds }}': '20240305', n: 3 } });
  });

  it('skips the interpreter for fields without template syntax, rendering them as Jinja does', async () => {
    const before = r.stats.requests;
    const { rendered } = await r.renderArgs({ a: 'echo hi\n', b: ['x\r\ny', 3, { c: 'z\n\n' }], d: true }, ['a', 'b', 'd'], tryCtx, noData);
    expect(r.stats.requests).toBe(before);
    expect(rendered).toEqual({ a: 'echo hi', b: ['x\ny', 3, { c: 'z\n' }], d: true });
    // The same strings through Jinja itself (a templated neighbour sends the field to the interpreter).
    const plain = ['echo hi\n', 'x\r\ny', 'z\n\n', 'a\rb\r\n', '\n', '', '} %} #}'];
    expect(await one(['{{ "" }}', ...plain])).toEqual(['', ...plain.map(renderPlain)]);
    expect(hasTemplateSyntax({ a: ['x', '{# c #}'] })).toBe(true);
    expect(hasTemplateSyntax({ a: ['{ {', '%}'] })).toBe(false);
  });

  it('renders the tries of concurrent tasks, each with its own context', async () => {
    const ctxs = Array.from({ length: 6 }, (_, i) => ({ ...tryCtx, context: { ...tryCtx.context, ds: `2024-01-0${i + 1}` } }));
    const outs = await Promise.all(ctxs.map((c) => r.renderArgs({ f: 'x {{ ds }}' }, ['f'], c, noData)));
    expect(outs.map((o) => o.rendered.f)).toEqual(ctxs.map((c) => `x ${String(c.context.ds)}`));
  });

  it('prints values as Python does', async () => {
    expect(await one('{{ params.flag }} {{ params.opt }} {{ params }} {{ dag_run.conf }} {{ params.tags }} {{ 1.5 }} {{ (1, "a") }}'))
      .toBe("True None {'rows': 10, 'flag': True, 'opt': None, 'tags': ['a', 'b']} {'k': [1, 'two', False]} ['a', 'b'] 1.5 (1, 'a')");
    expect(await one('{{ params.rows + 1 }} {{ params["rows"] * 2 }} {{ dag_run.conf.k[1] | upper }} {{ params.tags | join(",") }}')).toBe('11 20 TWO a,b');
  });

  it("has Airflow's filters, date objects and macros", async () => {
    expect(await one('{{ logical_date }} {{ logical_date | ds }} {{ logical_date | ds_nodash }} {{ logical_date | ts }} {{ logical_date | ts_nodash }} {{ logical_date | ts_nodash_with_tz }}'))
      .toBe('2024-03-05T06:30:00+00:00 2024-03-05 20240305 2024-03-05T06:30:00+00:00 20240305T063000 20240305T063000+0000');
    expect(await one('{{ prev_data_interval_start_success | ds }}|{{ data_interval_start.strftime("%H:%M") }}|{{ logical_date.add(months=1) | ds }}|{{ (logical_date - macros.timedelta(days=1)) | ds }}'))
      .toBe('None|06:30|2024-04-05|2024-03-04');
    expect(await one("{{ macros.ds_add(ds, 7) }} {{ macros.ds_add(ds, -5) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%m/%d/%y') }} {{ macros.datetime(2024, 1, 2).strftime('%A') }}"))
      .toBe('2024-03-12 2024-02-29 03/05/24 Tuesday');
  });

  it('keeps Jinja semantics: raw blocks, escaped delimiters, whitespace control, comments, do, loops', async () => {
    expect(await one('{% raw %}{{ ds }}{% endraw %} {{ "{{" }} ds }} {# gone #}x')).toBe('{{ ds }} {{ ds }} x');
    expect(await one('a\n  {%- for i in range(3) -%}\n {{ i }}\n{%- endfor %}\nb\n')).toBe('a012\nb');
    expect(await one('{% set l = [] %}{% do l.append(ds) %}{{ l }} {{ ti }} {{ task_instance.try_number }}')).toBe("['2024-03-05'] <TaskInstance: d.t manual__x [running]> 1");
  });

  it("reads var, conn and ti.xcom_pull by name, fetching only what is named", async () => {
    const asked: TemplateNeeds[] = [];
    const fetch: FetchTemplateData = async (needs) => {
      asked.push(needs);
      return {
        variables: { bucket: 's3://data', cfg: '{"region": "eu-west-1", "n": [1]}' },
        connections: { wh: { conn_id: 'wh', conn_type: 'postgres', host: 'db.internal', login: 'etl', password: 'p@ss', port: 5432, schema: 'dw', extra: null, extra_dejson: {} } },
        xcoms: [['up', 'return_value', true, { rows: 42 }], ['up', 'n', true, 7]],
      };
    };
    const out = await r.renderArgs({ f: "{{ var.value.bucket }} {{ var.json.cfg.region }} {{ var.value.get('nope', 'dflt') }} {{ conn.wh.host }}:{{ conn.wh.port }} {{ conn.wh.get_uri() }} {{ ti.xcom_pull(task_ids='up') }} {{ ti.xcom_pull('up', key='n') }} {{ ti.xcom_pull(task_ids='gone') }}" }, ['f'], tryCtx, fetch);
    expect(out.rendered.f).toBe("s3://data eu-west-1 dflt db.internal:5432 postgres://etl:p%40ss@db.internal:5432/dw {'rows': 42} 7 None");
    expect(asked).toEqual([{ variables: ['bucket', 'cfg', 'nope'], connections: ['wh'], xcoms: [['up', 'return_value'], ['up', 'n'], ['gone', 'return_value']] }]);
    expect(Object.keys(out.read.connections)).toEqual(['wh']);
    expect(Object.keys(out.read.variables)).toEqual(['bucket', 'cfg']);
  });

  it("fails with Airflow's errors, naming the field", async () => {
    expect(await failure('echo {{ dss }}')).toBe('cannot render template field "f": jinja2.exceptions.UndefinedError: \'dss\' is undefined');
    expect(await failure('{{ params.nope }}')).toMatch(/UndefinedError: 'dict object' has no attribute 'nope'/);
    expect(await failure('{{ var.value.missing }}')).toMatch(/KeyError: 'Variable missing does not exist'/);
    expect(await failure('{{ conn.missing.host }}')).toMatch(/airflow\.exceptions\.AirflowNotFoundException: The conn_id `missing` isn't defined/);
    expect(await failure('{% if %}')).toMatch(/TemplateSyntaxError: .*\(line 1\)/);
    expect(await failure('{{ 1 / 0 }}')).toMatch(/ZeroDivisionError: division by zero/);
    expect(await failure("{% for i in range(3) %}{{ 'x' * 9000000 }}{% endfor %}")).toBe('cannot render templates: the rendered fields exceed 16 MiB');
  });

  it('renders native objects when the DAG asks for them', async () => {
    const native = { ...tryCtx, native: true };
    expect(await one('{{ params.tags }}', noData, native)).toEqual(['a', 'b']);
    expect(await one('{{ params.rows * 2 }}', noData, native)).toBe(20);
    expect(await one('{{ dag_run.conf }}', noData, native)).toEqual({ k: [1, 'two', false] });
  });

  const probes = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__ }}",
    '{{ cycler.__init__.__globals__.os.environ }}',
    '{{ joiner.__init__.__globals__ }}',
    '{{ namespace.__init__.__globals__ }}',
    '{{ self._TemplateReference__context }}',
    "{{ self._TemplateReference__context.parent }}",
    '{{ lipsum.__globals__["os"].environ }}',
    "{{ range.constructor('return process.env')() }}",
    "{{ ''.constructor.constructor('return process')().env }}",
    "{{ ''|attr('__class__') }}",
    "{{ macros.datetime.mro() }}",
    '{{ ti.xcom_pull.__globals__ }}',
    "{{ 'x' * 100000000 }}",
    '{{ 9 ** 999999 }}',
  ];
  it.each(probes)('refuses the escape %s with a clear error and no leak', async (probe) => {
    const message = await failure(probe);
    expect(message).toMatch(/^cannot render template field "f": jinja2\.exceptions\.(SecurityError|UndefinedError): /);
    expect(message).not.toContain(CANARY);
  });

  it('a render that runs too long fails at its time limit, and the next try renders from a clean interpreter', async () => {
    const slow = new TemplateRenderer({ idleReleaseMs: 0, timeoutMs: 1500 });
    try {
      const err = await slow.renderArgs({ f: '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}' }, ['f'], tryCtx, noData).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^cannot render templates: they ran longer than 1.5 s \(\[worker\] template_render_timeout_sec\)/);
      expect((await slow.renderArgs({ f: '{{ ds }}' }, ['f'], tryCtx, noData)).rendered.f).toBe('2024-03-05');
      expect(slow.stats.requests).toBe(2);
    } finally {
      slow.close();
    }
  }, 120_000);

  it("resolves XComArgs, and a missing one is Airflow's error", () => {
    expect(resolveXComArgs([{ __type: 'xcomarg', task_id: 'a', key: 'return_value' }, { k: { __type: 'xcomarg', task_id: 'a', key: 'n' } }], { a: { return_value: 1, n: 2 } }, 'd')).toEqual([1, { k: 2 }]);
    expect(() => resolveXComArgs({ __type: 'xcomarg', task_id: 'b', key: 'return_value' }, {}, 'd')).toThrow('XComArg result from b at d with key="return_value" is not found!');
  });
});
