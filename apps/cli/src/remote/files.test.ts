import { describe, expect, it } from 'vitest';
import { connectionsExport, connFileFormat, exportedValue, parseConnectionsFile, parsePoolsFile, parseVariablesFile, poolsExport, variablesExport } from './files.ts';

describe('variables files (Airflow\'s variables import / export format)', () => {
  it('reads {key: value}: strings as text, other JSON as values, {value, description} as both', () => {
    expect(parseVariablesFile('{"a": "text", "b": {"x": [1, 2]}, "c": 3, "d": {"value": "v", "description": "about d"}}', 'vars.json')).toEqual([
      { key: 'a', value: 'text' }, { key: 'b', value: { x: [1, 2] } }, { key: 'c', value: 3 }, { key: 'd', value: 'v', description: 'about d' },
    ]);
  });

  it('refuses a file that is not a JSON object, naming the file', () => {
    expect(() => parseVariablesFile('[1]', 'v.json')).toThrow(/v.json must hold a JSON object/);
    expect(() => parseVariablesFile('{nope', 'v.json')).toThrow(/v.json is not valid JSON/);
  });

  it('export writes stored JSON back as JSON values, with descriptions, and reads back the same', () => {
    const text = variablesExport([{ key: 'a', value: 'text' }, { key: 'b', value: '{"x": [1, 2]}' }, { key: 'd', value: 'v', description: 'about d' }]);
    expect(JSON.parse(text)).toEqual({ a: 'text', b: { x: [1, 2] }, d: { value: 'v', description: 'about d' } });
    expect(parseVariablesFile(text, 'x')).toEqual([{ key: 'a', value: 'text' }, { key: 'b', value: { x: [1, 2] } }, { key: 'd', value: 'v', description: 'about d' }]);
    expect(exportedValue('not json')).toBe('not json');
  });
});

describe('pools files', () => {
  it('reads and writes {name: {slots, description, include_deferred}}', () => {
    const pools = parsePoolsFile('{"gpu": {"slots": 4, "description": "GPUs"}, "any": {"slots": -1, "description": "", "include_deferred": true}}', 'p.json');
    expect(pools).toEqual([{ name: 'gpu', slots: 4, description: 'GPUs', include_deferred: false }, { name: 'any', slots: -1, description: '', include_deferred: true }]);
    expect(parsePoolsFile(poolsExport(pools), 'x')).toEqual(pools);
    expect(() => parsePoolsFile('{"bad": {"slots": 1.5}}', 'p.json')).toThrow(/pool "bad" must be/);
  });
});

describe('connections files', () => {
  it('JSON and YAML: a URI or the fields (extra as an object or a JSON string)', () => {
    const json = '{"pg": "postgres://u:p@db:5432/x", "api": {"conn_type": "http", "host": "api.example.com", "port": "443", "extra": {"timeout": 5}, "description": "the API"}}';
    expect(parseConnectionsFile(json, 'c.json', 'json')).toEqual([
      { connection_id: 'pg', conn_type: 'postgres', login: 'u', password: 'p', host: 'db', port: 5432, schema: 'x', extra: null },
      { connection_id: 'api', conn_type: 'http', host: 'api.example.com', login: null, password: null, schema: null, port: 443, extra: '{"timeout":5}', description: 'the API' },
    ]);
    const yaml = 'api:\n  conn_type: http\n  host: api.example.com\n  extra: \'{"a": "b"}\'\n';
    expect(parseConnectionsFile(yaml, 'c.yaml', 'yaml')[0]).toMatchObject({ connection_id: 'api', extra: '{"a": "b"}' });
  });

  it('env files: CONN_ID=URI and CONN_ID={JSON} lines, comments and blank lines skipped', () => {
    const env = '# conns\n\nPG=postgres://db/x\nAPI={"conn_type": "http", "host": "h"}\n';
    expect(parseConnectionsFile(env, '.env', 'env').map((c) => [c.connection_id, c.conn_type, c.host])).toEqual([['PG', 'postgres', 'db'], ['API', 'http', 'h']]);
    expect(() => parseConnectionsFile('just text', 'c.env', 'env')).toThrow(/c.env:1: expected CONN_ID=URI/);
  });

  it('names the entry that is wrong', () => {
    expect(() => parseConnectionsFile('{"x": {"host": "h"}}', 'c.json', 'json')).toThrow(/c.json: connection "x" has no conn_type/);
    expect(() => parseConnectionsFile('{"x": {"conn_type": "h", "hots": "h"}}', 'c.json', 'json')).toThrow(/unknown field\(s\) hots/);
    expect(() => parseConnectionsFile('{"x": {"conn_type": "h", "extra": "[1]"}}', 'c.json', 'json')).toThrow(/extra must be a JSON object/);
    expect(() => parseConnectionsFile('{"bad id": "http://h"}', 'c.json', 'json')).toThrow(/not a valid connection id/);
  });

  it('the format comes from the extension unless a flag names it', () => {
    expect([connFileFormat('a.json'), connFileFormat('a.YML'), connFileFormat('a.env'), connFileFormat('a.txt', 'yaml')]).toEqual(['json', 'yaml', 'env', 'yaml']);
    expect(() => connFileFormat('a.txt')).toThrow(/cannot tell the format of a.txt/);
  });

  it('export: fields (json/yaml) or URIs (env), and what it writes imports back', () => {
    const conns = [{ connection_id: 'pg', conn_type: 'postgres', host: 'db', port: 5432, schema: 'x', login: 'u', password: null, extra: '{"sslmode": "require"}', description: 'main' }];
    const json = connectionsExport(conns, 'json');
    expect(JSON.parse(json)).toEqual({ pg: { conn_type: 'postgres', description: 'main', login: 'u', password: null, host: 'db', port: 5432, schema: 'x', extra: '{"sslmode": "require"}' } });
    expect(parseConnectionsFile(json, 'c.json', 'json')).toEqual(conns);
    const env = connectionsExport(conns, 'env');
    expect(env).toBe('pg=postgres://u@db:5432/x?sslmode=require\n');
    expect(parseConnectionsFile(env, 'c.env', 'env')[0]).toMatchObject({ conn_type: 'postgres', host: 'db', login: 'u', extra: '{"sslmode":"require"}' });
    expect(parseConnectionsFile(connectionsExport(conns, 'yaml'), 'c.yaml', 'yaml')).toEqual(conns);
  });
});
