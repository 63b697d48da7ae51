import { describe, expect, it } from 'vitest';
import { makeSafeLabelValue, objectName } from './labels.ts';

const key = { tiId: 't', dagId: 'My_DAG', taskId: 'group.Task_1', runId: 'manual__2024-01-01T00:00:00+00:00', mapIndex: -1, tryNumber: 1 };

describe('makeSafeLabelValue (Airflow\'s make_safe_label_value)', () => {
  it('keeps a valid value and hashes one it had to change', () => {
    expect(makeSafeLabelValue('my_dag.v2')).toBe('my_dag.v2');
    expect(makeSafeLabelValue('manual__2024-01-01T00:00:00+00:00')).toBe('manual__2024-01-01T0000000000-701821d7a') // Airflow's own result for this run id;
    expect(makeSafeLabelValue('manual__2024-01-01T00:00:00+00:00')).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });
  it('truncates long values to 63 characters with a hash suffix', () => {
    const v = makeSafeLabelValue('x'.repeat(100));
    expect(v).toHaveLength(63);
    expect(v).toMatch(/^x+-[0-9a-f]{9}$/);
  });
});

describe('objectName', () => {
  it('is a DNS-1035 label, the same for the same try and different per try, run and map index', () => {
    const n = objectName(key);
    expect(n).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(n).toBe(objectName({ ...key }));
    expect(n.startsWith('my-dag-group-task-1-')).toBe(true);
    expect(n.endsWith('-1')).toBe(true);
    expect(new Set([n, objectName({ ...key, tryNumber: 2 }), objectName({ ...key, runId: 'other' }), objectName({ ...key, mapIndex: 3 })]).size).toBe(4);
  });
  it('fits the limit, leaving room for -driver, and starts with a letter', () => {
    const long = objectName({ ...key, dagId: '9'.repeat(40) + 'a'.repeat(80) }, 56);
    expect(long.length).toBeLessThanOrEqual(56);
    expect(long).toMatch(/^[a-z]/);
  });
});
