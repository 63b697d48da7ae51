import { describe, expect, it } from 'vitest';
import { connUri, parseConnUri, pyQuote } from './conn-uri.ts';

describe('Airflow connection URIs', () => {
  it('parses every part, percent-decoded, with the query as extra', () => {
    expect(parseConnUri('postgresql://us%40er:p%3Ass%2Fw@db.example.com:5432/ana%20lytics?sslmode=require&application_name=ws')).toEqual({
      conn_type: 'postgres', login: 'us@er', password: 'p:ss/w', host: 'db.example.com', port: 5432, schema: 'ana lytics',
      extra: JSON.stringify({ sslmode: 'require', application_name: 'ws' }),
    });
  });

  it('a dash in the type stands for _, __extra__ carries extra as JSON, a host may carry its own protocol', () => {
    expect(parseConnUri('google-cloud-platform://?__extra__=%7B%22a%22%3A+1%7D')).toMatchObject({ conn_type: 'google_cloud_platform', host: null, login: null, extra: '{"a": 1}' });
    expect(parseConnUri('http://https://api.example.com:8443/v1')).toMatchObject({ conn_type: 'http', host: 'https://api.example.com', port: 8443, schema: 'v1' });
    expect(parseConnUri('redis://:secret@cache')).toMatchObject({ login: null, password: 'secret', host: 'cache', port: null, schema: null, extra: null });
  });

  it('refuses what is not a URI, a bad port, and a protocol with credentials', () => {
    expect(() => parseConnUri('just-a-host')).toThrow(/--conn-uri must look like/);
    expect(() => parseConnUri('mysql://h:99999')).toThrow(/invalid port "99999"/);
    expect(() => parseConnUri('mysql://h:abc')).toThrow(/invalid port "abc"/);
    expect(() => parseConnUri('http://u:p@https://h')).toThrow(/protocol comes before/);
  });

  it('writes URIs as Connection.get_uri() does, and they parse back to the same fields', () => {
    const c = { conn_type: 'google_cloud_platform', login: 'a b', password: "it's!", host: 'h.example', port: 1234, schema: 'db/1', extra: JSON.stringify({ k: 'v w' }) };
    const uri = connUri(c);
    expect(uri).toBe("google-cloud-platform://a%20b:it%27s%21@h.example:1234/db%2F1?k=v+w");
    expect(parseConnUri(uri)).toEqual({ ...c, description: undefined, conn_type: 'google_cloud_platform' } as never);
    // Extra that is not all strings travels as __extra__ JSON, and comes back the same.
    const nested = { conn_type: 'http', host: 'https://api.example.com', extra: JSON.stringify({ timeout: 5, headers: { a: 'b' } }) };
    const u2 = connUri(nested);
    expect(u2.startsWith('http://https://api.example.com/?__extra__=')).toBe(true);
    expect(JSON.parse(parseConnUri(u2).extra!)).toEqual({ timeout: 5, headers: { a: 'b' } });
    expect(connUri({ conn_type: 'x', port: 9 })).toBe('x://@:9');
    expect(pyQuote("a(b)*c!'~")).toBe('a%28b%29%2Ac%21%27~');
  });
});
