import { describe, expect, it } from 'vitest';
import { renderArgs, renderValue, splitKeywordArgs, TemplateError } from './templates.ts';
import { resolveXComArgs } from './context.ts';

describe('templates', () => {
  it('renders only template fields, recursively', () => {
    const { rendered, renderedFields } = renderArgs({ bash_command: 'echo {{ ds }}', env: { D: '{{ ds_nodash }}' }, image: '{{ ds }}' }, ['bash_command', 'env'], { ds: '2024-01-02', ds_nodash: '20240102' });
    expect(rendered).toEqual({ bash_command: 'echo 2024-01-02', env: { D: '20240102' }, image: '{{ ds }}' });
    expect(renderedFields).toEqual({ bash_command: 'echo 2024-01-02', env: { D: '20240102' } });
  });
  it('fails on undefined names, naming the field (Airflow uses StrictUndefined)', () => {
    expect(() => renderValue('echo {{ dss }}', { ds: 'x' }, 'bash_command')).toThrow(TemplateError);
    expect(() => renderValue('echo {{ dss }}', { ds: 'x' }, 'bash_command')).toThrow(/bash_command/);
  });
  it('passes Jinja keyword arguments to functions', () => {
    const ctx = { ti: { xcom_pull: (...a: unknown[]) => JSON.stringify(splitKeywordArgs(a)) } };
    expect(renderValue("{{ ti.xcom_pull(task_ids='a', key='k') }}", ctx, 'f')).toBe('{"positional":[],"keywords":{"task_ids":"a","key":"k"}}');
    expect(renderValue('{{ x | tojson }}', { x: { a: 1 } }, 'f')).toBe('{"a":1}');
  });
  it('resolves XComArgs, and a missing one is Airflow\'s error', () => {
    expect(resolveXComArgs([{ __type: 'xcomarg', task_id: 'a', key: 'return_value' }, { k: { __type: 'xcomarg', task_id: 'a', key: 'n' } }], { a: { return_value: 1, n: 2 } }, 'd')).toEqual([1, { k: 2 }]);
    expect(() => resolveXComArgs({ __type: 'xcomarg', task_id: 'b', key: 'return_value' }, {}, 'd')).toThrow('XComArg result from b at d with key="return_value" is not found!');
  });
});
