import { describe, expect, it } from 'vitest';
import { StatusError } from './errors.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';

const labels = { app: 'web', tier: 'frontend', version: '3' };

function match(selector: string, l: Record<string, string> | undefined = labels): boolean {
  return matchesLabels(parseLabelSelector(selector), l);
}

describe('label selectors', () => {
  it('matches equality, inequality and double equals', () => {
    expect(match('app=web')).toBe(true);
    expect(match('app==web')).toBe(true);
    expect(match('app=db')).toBe(false);
    expect(match('app!=db')).toBe(true);
    expect(match('app!=web')).toBe(false);
  });

  it('treats != and notin as matching objects without the label, as upstream', () => {
    expect(match('missing!=x')).toBe(true);
    expect(match('missing notin (a,b)')).toBe(true);
    expect(match('missing in (a,b)')).toBe(false);
  });

  it('matches set, existence and absence requirements, ANDed by commas', () => {
    expect(match('tier in (frontend, backend)')).toBe(true);
    expect(match('tier notin (frontend,backend)')).toBe(false);
    expect(match('app,tier')).toBe(true);
    expect(match('!app')).toBe(false);
    expect(match('!airflow-worker,app=web,tier in (frontend)')).toBe(true);
    expect(match('app=web,tier=backend')).toBe(false);
  });

  it('compares integers with > and <', () => {
    expect(match('version>2')).toBe(true);
    expect(match('version<3')).toBe(false);
    expect(match('app>1')).toBe(false);
  });

  it('accepts prefixed keys and matches everything when empty', () => {
    expect(match('sparkoperator.k8s.io/app-name=pi', { 'sparkoperator.k8s.io/app-name': 'pi' })).toBe(true);
    expect(match('')).toBe(true);
  });

  it('accepts an empty value (the empty label value)', () => {
    expect(match('app=', { app: '' })).toBe(true);
    expect(match('app=', { app: 'x' })).toBe(false);
  });

  it('rejects malformed selectors with a 400 Status', () => {
    for (const bad of ['app=we b', 'a b c', ',']) {
      let caught: unknown;
      try {
        parseLabelSelector(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toBeInstanceOf(StatusError);
      expect((caught as StatusError).httpCode).toBe(400);
    }
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'p1', 'status.phase': 'Running', 'spec.nodeName': '' };
  const supported = Object.keys(fields);

  it('matches =, == and != with comma AND', () => {
    expect(matchesFields(parseFieldSelector('status.phase=Running', supported), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('status.phase==Running,metadata.name=p1', supported), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('status.phase!=Failed,status.phase!=Unknown', supported), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('status.phase!=Running', supported), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector('spec.nodeName=', supported), fields)).toBe(true);
  });

  it('unescapes values and rejects unsupported fields with the API server text', () => {
    expect(parseFieldSelector('metadata.name=a\\,b', supported)).toEqual([{ field: 'metadata.name', op: '=', value: 'a,b' }]);
    expect(() => parseFieldSelector('spec.foo=bar', supported)).toThrow('field label not supported: spec.foo');
  });
});
