import { describe, expect, it } from 'vitest';
import { addBody } from './connections.ts';
import { runsQuery } from './dag-verbs.ts';
import { parseSlots } from './pools.ts';
import { clearBody, markBody, matchTasks } from './task-verbs.ts';
import { setValue } from './variables.ts';

describe('tasks clear: flags → the clearTaskInstances body', () => {
  it('sends Airflow CLI defaults, not the API\'s (only_failed false unless -f)', () => {
    expect(clearBody({}, null, true)).toEqual({ dry_run: true, only_failed: false, only_running: false, include_downstream: false, include_upstream: false, reset_dag_runs: true });
  });

  it('carries task ids, run, dates and the relatives', () => {
    expect(clearBody({ onlyFailed: true, downstream: true, upstream: true, runId: 'r1', startDate: '2024-01-01', endDate: '2024-01-02T10:00:00Z' }, ['a', 'b'], false)).toEqual({
      dry_run: false, task_ids: ['a', 'b'], dag_run_id: 'r1', start_date: '2024-01-01T00:00:00.000Z', end_date: '2024-01-02T10:00:00.000Z',
      only_failed: true, only_running: false, include_downstream: true, include_upstream: true, reset_dag_runs: true,
    });
  });

  it('refuses contradicting flags and bad dates as usage errors (exit 2)', () => {
    expect(() => clearBody({ onlyFailed: true, onlyRunning: true }, null, true)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => clearBody({ startDate: 'yesterday' }, null, true)).toThrow(/--start-date must be an ISO 8601 date/);
  });

  it('-t matches anywhere in the task id (re.search), as Airflow', () => {
    expect(matchTasks(['extract', 'transform', 'load', 'extract_more'], '^extract')).toEqual(['extract', 'extract_more']);
    expect(matchTasks(['extract', 'transform', 'load'], 'a')).toEqual(['extract', 'transform', 'load']);
    expect(() => matchTasks(['a'], '(')).toThrow(/not a valid regular expression/);
  });
});

describe('tasks mark, runs list, pools set, variables set', () => {
  it('mark: the new state and the relatives', () => {
    expect(markBody({ state: 'success', downstream: true })).toEqual({ new_state: 'success', include_downstream: true, include_upstream: false, include_past: false, include_future: false });
    expect(() => markBody({ state: 'running' })).toThrow(/--state must be one of success, failed, skipped/);
  });

  it('runs list: newest first, the limit, logical date bounds; states checked', () => {
    expect(runsQuery({ limit: '5', startDate: '2024-03-01' })).toEqual({ order_by: '-run_after', limit: 5, logical_date_gte: '2024-03-01T00:00:00.000Z', logical_date_lte: undefined });
    expect(() => runsQuery({ limit: '0' })).toThrow(/--limit must be a whole number above 0/);
    expect(() => runsQuery({ limit: '5', state: ['done'] })).toThrow(/--state must be one of/);
  });

  it('pools set: whole slots, -1 for unlimited', () => {
    expect([parseSlots('3'), parseSlots('-1')]).toEqual([3, -1]);
    expect(() => parseSlots('1.5')).toThrow(/SLOTS must be a whole number/);
    expect(() => parseSlots('-2')).toThrow(/SLOTS must be a whole number/);
  });

  it('variables set: text as given, --json parsed', () => {
    expect(setValue('{"a": 1}', false)).toBe('{"a": 1}');
    expect(setValue('{"a": 1}', true)).toEqual({ a: 1 });
    expect(() => setValue('{a', true)).toThrow(/--json: the value is not valid JSON/);
  });
});

describe('connections add: flags → the POST body', () => {
  it('from --conn-uri, with --conn-extra and --conn-description on top', () => {
    expect(addBody('pg', { connUri: 'postgres://u:p@db:5432/x', connExtra: '{"sslmode": "require"}', connDescription: 'main' })).toEqual({
      connection_id: 'pg', conn_type: 'postgres', login: 'u', password: 'p', host: 'db', port: 5432, schema: 'x', extra: '{"sslmode": "require"}', description: 'main',
    });
  });

  it('from --conn-type and its fields, or from --conn-json', () => {
    expect(addBody('api', { connType: 'http', connHost: 'h', connPort: '8080', connLogin: 'me' })).toMatchObject({ connection_id: 'api', conn_type: 'http', host: 'h', port: 8080, login: 'me', password: null });
    expect(addBody('api', { connJson: '{"conn_type": "http", "host": "h", "extra": {"a": 1}}' })).toMatchObject({ conn_type: 'http', host: 'h', extra: '{"a":1}' });
  });

  it('refuses Airflow\'s forbidden combinations', () => {
    expect(() => addBody('x', {})).toThrow(/say what the connection is/);
    expect(() => addBody('x', { connUri: 'a://h', connJson: '{}' })).toThrow(/not both/);
    expect(() => addBody('x', { connUri: 'a://h', connHost: 'h2', connPort: '1' })).toThrow('--conn-host, --conn-port cannot be given with --conn-uri');
    expect(() => addBody('x', { connJson: '{"conn_type": "a"}', connExtra: '{}' })).toThrow('--conn-extra cannot be given with --conn-json');
    expect(() => addBody('x', { connType: 'http', connPort: 'eighty' })).toThrow(/invalid port/);
  });
});
