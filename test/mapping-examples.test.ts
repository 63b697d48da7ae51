/**
 * Dynamic task mapping as a DAG file declares it (test/fixtures/airflow-examples/example_dynamic_task_mapping.py and
 * example_mapping_operators.py, shapes after Airflow 2.10's examples): `.partial().expand()`, `.expand_kwargs()`,
 * TaskFlow `.expand()`, mapping over literals and XComArgs, each recorded as an expand_input on the task, and the
 * constructs Windsock does not run yet as import errors naming them.
 */
import { describe, expect, it } from 'vitest';
import { examplesParser } from './support/airflow-examples.ts';

const xcom = (task_id: string) => ({ __type: 'xcomarg', task_id, key: 'return_value' });

describe('parsing mapped tasks', () => {
  const { parse, load, task } = examplesParser();

  it('TaskFlow .expand over a literal list, and second-order mapping over a mapped task', async () => {
    const dags = await parse('example_dynamic_task_mapping.py');
    const lit = dags.mapping_literal_sum!;
    expect(task(lit, 'plus_one').expand_input).toEqual({ type: 'dict', target: 'op_kwargs', value: { x: [1, 2, 3] } });
    expect(task(lit, 'plus_one').args.op_kwargs).toEqual({});
    expect(task(lit, 'total').upstream_task_ids).toEqual(['plus_one']);
    expect(task(lit, 'total').args.op_args).toEqual([xcom('plus_one')]);
    expect(task(lit, 'total').expand_input).toBeUndefined();
    const second = dags.mapping_second_order!;
    expect(task(second, 'double').expand_input).toEqual({ type: 'dict', target: 'op_kwargs', value: { num: xcom('numbers') } });
    expect(task(second, 'double').upstream_task_ids).toEqual(['numbers']);
    expect(task(second, 'plus_ten').expand_input!.value).toEqual({ num: xcom('double') });
    expect(task(second, 'plus_ten').upstream_task_ids).toEqual(['double']);
  });

  it('classic operators: partial + expand, cross product, expand_kwargs, mapped dicts', async () => {
    const d = (await parse('example_mapping_operators.py')).mapping_operators!;
    const echo = task(d, 'echo');
    expect(echo.operator).toBe('BashOperator');
    expect(echo.expand_input).toEqual({ type: 'dict', target: 'args', value: { bash_command: ['echo a', 'echo b'] } });
    expect(echo.args.bash_command).toBeUndefined(); // each map_index gets its own
    expect(echo.template_fields).toContain('bash_command');
    expect(echo.retries).toBe(0);
    expect(task(d, 'cross').expand_input!.value).toEqual({ bash_command: ['echo $V', 'echo $V-again'], env: [{ V: '1' }, { V: '2' }, { V: '3' }] });
    expect(task(d, 'by_kwargs').expand_input).toEqual({ type: 'list', target: 'args',
      value: [{ bash_command: 'echo one' }, { bash_command: 'echo two', env: { X: '2' } }] });
    expect(task(d, 'by_xcom_kwargs').expand_input).toEqual({ type: 'list', target: 'args', value: xcom('commands') });
    expect(task(d, 'by_xcom_kwargs').upstream_task_ids).toEqual(['commands']);
    expect(task(d, 'add').args.op_kwargs).toEqual({ y: 10 });
    expect(task(d, 'add').expand_input!.value).toEqual({ x: [1, 2] });
    expect(task(d, 'add').upstream_task_ids).toEqual(['echo']);
    expect(task(d, 'pair').expand_input!.value).toEqual({ item: { a: 1, b: 2 } });
  });

  it('refuses what Airflow refuses, and names what Windsock does not map yet', async () => {
    const head = 'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.decorators import task, task_group\n'
      + 'from airflow.operators.bash import BashOperator\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n';
    const err = async (body: string) => {
      const r = await load('bad.py', head + body);
      if (r.ok) throw new Error('expected an import error');
      return r.error.message;
    };
    expect(await err('    BashOperator.partial(task_id="t").expand(bash_command="echo")\n'))
      .toMatch(/Expected a list, dict or XComArg to map over 'bash_command', not str/);
    expect(await err('    BashOperator.partial(task_id="t").expand(bash_command=["a"], task_id=["x"])\n'))
      .toMatch(/cannot map over BaseOperator argument 'task_id'/);
    expect(await err('    BashOperator.partial(task_id="t", bash_command="a").expand(bash_command=["b"])\n'))
      .toMatch(/both give 'bash_command'/);
    expect(await err('    @task\n    def f(x): return x\n    f.expand(x=f.expand(x=[1]).map(lambda v: v))\n'))
      .toMatch(/XComArg\.map\(\)/);
    expect(await err('    @task_group\n    def g(x): pass\n    g.expand(x=[1])\n'))
      .toMatch(/mapped task groups/);
  });
});
