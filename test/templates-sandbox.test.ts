/**
 * Templates rendered as Airflow renders them, and safely: a real Python DAG through DAG processor, scheduler and
 * worker (local executor). One task's fields use filters, macros, params, var, xcom_pull and Python's printing of
 * values; in another DAG each task tries one escape from the template sandbox (or names an undefined variable),
 * and must fail with a clear log line. A canary in the worker's environment and one in a file on disk must appear
 * nowhere: task logs, rendered fields, XComs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';

const ENV_CANARY = 'canary-env-templates-91d2';
const FILE_CANARY = 'canary-file-templates-c07a';

const PROBES: Array<[string, string]> = [
  ['undefined_name', 'echo {{ no_such_name }}'],
  ['mro', "echo {{ ''.__class__.__mro__[1].__subclasses__() }}"],
  ['cycler_globals', '{{ cycler.__init__.__globals__.os.environ }}'],
  ['template_reference', '{{ self._TemplateReference__context }}'],
  ['lipsum_globals', "{{ lipsum.__globals__['os'].popen('id').read() }}"],
  ['range_constructor', '{{ range.constructor("return process.env")() }}'],
  ['str_constructor', "{{ ''.constructor.constructor('return process')().env }}"],
  ['attr_filter', "{{ ''|attr('__class__') }}"],
  ['include_file', "{% include 'CANARY_FILE' %}"],
  ['memory', "{{ 'x' * 1000000000 }}"],
];

const USE_COMMAND = 'echo "A={{ logical_date | ds_nodash }} B={{ data_interval_end | ts_nodash }} C={{ macros.ds_add(ds, 3) }} '
  + "D={{ macros.ds_format(ds, '%Y-%m-%d', '%d.%m.%Y') }} E={{ params.rows * 2 }} F={{ params.flag }} G={{ params.tags }} "
  + "H={{ dag_run.conf }} I={{ var.value.bucket }} J={{ var.json.cfg.region }} K={{ ti.xcom_pull(task_ids='produce') }} "
  + "L={{ var.value.get('nope', 'fallback') }}\"";
const USE_RENDERED = "A=20240305 B=20240305T000000 C=2024-03-08 D=05.03.2024 E=20 F=True G=['a', 'b'] H={'region': 'eu'} I=s3://data J=eu-west-1 K=42 L=fallback";

const dagFile = (canaryFile: string) => `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("tpl_ok", schedule=None, start_date=datetime(2024, 1, 1), params={"rows": 10, "flag": True, "tags": ["a", "b"]}) as ok:
    produce = BashOperator(task_id="produce", bash_command="echo 42", do_xcom_push=True)
    use = BashOperator(
        task_id="use",
        bash_command=${JSON.stringify(USE_COMMAND)},
        env={"DAY": "{{ ds }}", "PLAIN": "no template"},
    )
    produce >> use

with DAG("tpl_bad", schedule=None, start_date=datetime(2024, 1, 1)) as bad:
${PROBES.map(([id, cmd]) => `    BashOperator(task_id=${JSON.stringify(id)}, bash_command=${JSON.stringify(cmd.replace('CANARY_FILE', canaryFile))})`).join('\n')}
`;

let inst: TestInstance;
let store: Metastore;
beforeAll(async () => {
  process.env.WINDSOCK_TEMPLATE_CANARY = ENV_CANARY;
  const folder = await dagFolder({});
  const canaryFile = join(folder, 'canary.txt');
  await writeFile(canaryFile, FILE_CANARY);
  await writeFile(join(folder, 'tpl.py'), dagFile(canaryFile));
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  await store.db.insertInto('variable').values([{ key: 'bucket', val: 's3://data' }, { key: 'cfg', val: '{"region": "eu-west-1"}' }]).execute();
  inst = await startInstance({ store, dagsFolder: folder });
}, 120_000);
afterAll(async () => { await inst?.stop(); await store?.close(); delete process.env.WINDSOCK_TEMPLATE_CANARY; });

async function logOf(dagRunId: number, taskId: string): Promise<string> {
  const rows = await store.db.selectFrom('task_log').innerJoin('task_instance', 'task_instance.id', 'task_log.task_instance_id')
    .select('task_log.chunk').where('task_instance.dag_run_id', '=', dagRunId).where('task_instance.task_id', '=', taskId).orderBy('task_log.id').execute();
  return rows.map((r) => r.chunk).join('');
}

describe('templates in a real DAG run', () => {
  it('renders filters, macros, params, var, xcom_pull and Python values as Airflow does', async () => {
    const r = await inst.runDag('tpl_ok', { logicalDate: new Date('2024-03-05T00:00:00Z'), conf: { region: 'eu' }, timeoutMs: 90_000 });
    const log = await logOf(r.dagRunId, 'use');
    expect(r.state).toBe('success');
    expect(log).toContain(USE_RENDERED);
    const ti = await store.db.selectFrom('task_instance').select('rendered_fields').where('dag_run_id', '=', r.dagRunId).where('task_id', '=', 'use').executeTakeFirstOrThrow();
    const rendered = typeof ti.rendered_fields === 'string' ? JSON.parse(ti.rendered_fields) as Record<string, unknown> : ti.rendered_fields as Record<string, unknown>;
    expect(rendered).toEqual({ bash_command: `echo "${USE_RENDERED}"`, env: { DAY: '2024-03-05', PLAIN: 'no template' } });
  }, 120_000);

  it('fails each escape probe and the undefined name with a clear log line, leaking no canary', async () => {
    const r = await inst.runDag('tpl_bad', { timeoutMs: 90_000 });
    expect(r.state).toBe('failed');
    const states = await inst.tiStates(r.dagRunId);
    for (const [id] of PROBES) expect(states[id]?.state, id).toBe('failed');
    const expected: Record<string, RegExp> = {
      undefined_name: /cannot render template field "bash_command": jinja2\.exceptions\.UndefinedError: 'no_such_name' is undefined/,
      mro: /jinja2\.exceptions\.SecurityError: access to attribute '__class__' of 'str' object is unsafe/,
      cycler_globals: /jinja2\.exceptions\.SecurityError: access to attribute '__init__' of 'type' object is unsafe/,
      template_reference: /jinja2\.exceptions\.SecurityError: access to attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe/,
      lipsum_globals: /jinja2\.exceptions\.SecurityError: access to attribute '__globals__' of 'function' object is unsafe/,
      range_constructor: /jinja2\.exceptions\.UndefinedError: 'function object' has no attribute 'constructor'/,
      str_constructor: /jinja2\.exceptions\.UndefinedError: 'str object' has no attribute 'constructor'/,
      attr_filter: /jinja2\.exceptions\.SecurityError: access to attribute '__class__' of 'str' object is unsafe/,
      include_file: /cannot render template field "bash_command": TypeError: no loader for this environment specified/,
      memory: /jinja2\.exceptions\.SecurityError: the result of \* would exceed/,
    };
    for (const [id] of PROBES) {
      const log = await logOf(r.dagRunId, id);
      expect(log, id).toMatch(expected[id]!);
      expect(log, id).toContain('Marking task as FAILED.');
    }
    // No canary anywhere a user could read it.
    const logs = await store.db.selectFrom('task_log').select('chunk').execute();
    const tis = await store.db.selectFrom('task_instance').select('rendered_fields').execute();
    const xcoms = await store.db.selectFrom('xcom').select('value').execute();
    const everything = JSON.stringify([logs, tis, xcoms]);
    expect(everything).not.toContain(ENV_CANARY);
    expect(everything).not.toContain(FILE_CANARY);
  }, 120_000);
});
