import { describe, expect, it } from 'vitest';
import { checkValue, defaultConf, validateConf, type ParamSpec } from './params.ts';

const p = (schema: Record<string, unknown>, def: unknown = undefined): ParamSpec => ({ default: def, description: null, schema });

describe('trigger conf validation against DAG params', () => {
  const params = {
    rows: p({ type: 'integer', minimum: 1, maximum: 1000 }, 10),
    env: p({ type: 'string', enum: ['dev', 'prod'] }, 'dev'),
    run_date: p({ type: 'string', format: 'date' }),
    tags: p({ type: 'array', minItems: 1 }, ['a']),
    note: p({ type: ['null', 'string'] }, null),
  };

  it('accepts a conf that satisfies every param, filling defaults', () => {
    const r = validateConf('{"run_date": "2024-05-01"}', params);
    expect(r.issues).toEqual([]);
    expect(r.conf).toEqual({ run_date: '2024-05-01' });
  });

  it('names each param that breaks its schema', () => {
    const r = validateConf('{"rows": 0, "env": "staging", "run_date": "May 1st", "tags": []}', params);
    expect(r.issues.map((i) => i.param)).toEqual(['rows', 'env', 'run_date', 'tags']);
    expect(r.issues[0]!.message).toBe('must be ≥ 1');
    expect(r.issues[1]!.message).toContain('"dev", "prod"');
  });

  it('reports a param with neither value nor default as required', () => {
    expect(validateConf('{}', params).issues).toEqual([{ param: 'run_date', message: 'is required (no value and no default)' }]);
  });

  it('rejects text that is not a JSON object', () => {
    expect(validateConf('{"rows": ', params).issues[0]!.message).toMatch(/^Not valid JSON/);
    expect(validateConf('[1]', params).issues[0]!.message).toBe('conf must be a JSON object');
  });

  it('checks types, integers and nullable unions', () => {
    expect(checkValue(1.5, { type: 'integer' })).toMatch(/must be integer/);
    expect(checkValue(3, { type: 'number' })).toBeNull();
    expect(checkValue(null, { type: ['null', 'string'] })).toBeNull();
    expect(checkValue('x', { type: 'string', pattern: '^[a-z]+_\\d+$' })).toMatch(/must match/);
    expect(checkValue('2024-01-01T10:00:00Z', { type: 'string', format: 'date-time' })).toBeNull();
  });

  it('starts the editor from the defaults', () => {
    expect(defaultConf(params)).toEqual({ rows: 10, env: 'dev', run_date: null, tags: ['a'], note: null });
  });
});
