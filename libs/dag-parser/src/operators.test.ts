import { describe, expect, it } from 'vitest';
import { DagDeclarationError, DagParserConfigError } from './errors.ts';
import { BUILTIN_OPERATORS, createOperatorRegistry } from './operators.ts';

describe('operator registry', () => {
  it('maps Airflow 2, Airflow 3 and legacy paths to the same operator', () => {
    const r = createOperatorRegistry();
    for (const p of ['airflow.operators.bash.BashOperator', 'airflow.providers.standard.operators.bash.BashOperator',
      'airflow.operators.bash_operator.BashOperator']) {
      expect(r.resolve(p)).toMatchObject({ name: 'BashOperator', kind: 'bash', templateFields: ['bash_command', 'env', 'cwd'] });
    }
    expect(r.resolve('airflow.operators.dummy.DummyOperator')).toMatchObject({ name: 'DummyOperator', kind: 'empty' });
    expect(r.resolve('airflow.providers.cncf.kubernetes.operators.kubernetes_pod.KubernetesPodOperator').kind).toBe('pod');
    expect(r.resolve('airflow.providers.cncf.kubernetes.operators.spark_kubernetes.SparkKubernetesOperator').kind).toBe('spark');
    expect(r.resolve('windsock.operators.K8sOperator')).toMatchObject({ kind: 'pod', taskIdFallback: 'name' });
    expect(r.resolve('windsock.operators.SparK8sOperator').kind).toBe('spark');
    expect(r.resolve('airflow.providers.standard.operators.python.PythonOperator').kind).toBe('python');
    // The paths the Python shim records for TaskFlow tasks.
    expect(r.resolve('airflow.decorators.python')).toMatchObject({ name: '@task', kind: 'python' });
    expect(r.resolve('airflow.providers.cncf.kubernetes.decorators.kubernetes')).toMatchObject({ name: '@task.kubernetes', kind: 'pod' });
  });

  it('resolves aliases and lists them among the supported paths', () => {
    const r = createOperatorRegistry({ 'dsp.operators.K8sOperator': 'windsock.operators.K8sOperator' });
    expect(r.resolve('dsp.operators.K8sOperator')).toBe(BUILTIN_OPERATORS['windsock.operators.K8sOperator']);
    expect(r.supportedPaths()).toContain('dsp.operators.K8sOperator');
  });

  it('rejects an alias to an unknown operator at configuration time', () => {
    const err = (() => {
      try {
        createOperatorRegistry({ 'a.B': 'nowhere.C' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(DagParserConfigError);
    expect((err as DagParserConfigError).code).toBe('INVALID_OPTION');
  });

  it('names the unknown path and the supported ones', () => {
    const r = createOperatorRegistry();
    try {
      r.resolve('my.fancy.Operator', { dagId: 'd', taskId: 't', line: 4 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DagDeclarationError);
      const err = e as DagDeclarationError;
      expect([err.code, err.dagId, err.taskId, err.field, err.line]).toEqual(['UNKNOWN_OPERATOR', 'd', 't', 'operator', 4]);
      expect(err.message).toContain('my.fancy.Operator');
      expect(err.message).toContain('airflow.operators.bash.BashOperator');
    }
  });
});
