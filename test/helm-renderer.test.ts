/**
 * test/helm/render.go, the `helm template` stand-in the chart tests use, against what Helm itself does on a fixture
 * chart: values coalescing (a null deletes a key), include and partials, tpl, required, toYaml / fromYaml through
 * JSON (whole numbers stay integers; {{ .Values.big }} prints 2.592e+06 as in Helm), lookup empty, missing values
 * empty, .Chart / .Capabilities / .Template, empty documents dropped, NOTES only when asked.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderer } from './helm-support.ts';

const FIXTURE = resolve(import.meta.dirname, 'helm/fixture');
const run = (...args: string[]) => execFileSync(renderer(), [FIXTURE, '--name', 'rel', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('helm renderer (test/helm/render.go)', () => {
  it('renders as helm template does', () => {
    const out = run('--set-json', '{"nested":{"drop":null,"add":3}}');
    expect(out).not.toContain('notes for');
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { metadata: { name: string }; data?: Record<string, string> });
    expect(docs.map((d) => d.metadata.name)).toEqual(['fixture-rel', 'second']);
    expect(docs[0]!.data).toEqual({
      tpl: 'hello from rel', big: '2.592e+06', bigJson: '2592000', nested: '{"add":3,"keep":1,"list":["a","b"]}',
      yaml: 'add: 3\nkeep: 1\nlist:\n- a\n- b\n', roundTrip: '2592000', lookup: '{}', missing: '',
      chart: 'fixture 1.2.3 9.9', kube: 'v1.31.0', hasApps: 'true', template: 'fixture/templates/all.yaml',
    });
    expect(out).toContain('# Source: fixture/templates/all.yaml');
  });

  it('renders NOTES.txt only when asked, and stops at required with its message', () => {
    expect(run('--notes')).toMatch(/^NOTES:\nnotes for rel\n/);
    let err = '';
    try { run('--set-json', '{"mustHave":{"other":1}}'); } catch (e) { err = String((e as { stderr: string }).stderr); }
    expect(err).toContain('mustHave.value is required');
    expect(run('--set-json', '{"mustHave":{"value":"x"}}')).toContain('required: "x"');
  });
});
