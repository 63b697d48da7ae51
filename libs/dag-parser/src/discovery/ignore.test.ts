import { describe, expect, it } from 'vitest';
import { gitWildMatch, isIgnored, parseIgnoreFile, type IgnoreSyntax } from './ignore.ts';

const ignored = (text: string, dirRel: string, syntax: IgnoreSyntax, relPath: string, isDir = false, warn = () => {}) =>
  isIgnored(parseIgnoreFile(text, dirRel, syntax, '.airflowignore', warn), relPath, isDir, syntax);

describe('regexp .airflowignore', () => {
  it('searches anywhere in the path relative to the DAG folder, as Airflow does', () => {
    expect(ignored('project_a', '', 'regexp', 'project_a_dag_1.py')).toBe(true);
    expect(ignored('project_a', '', 'regexp', 'TESTING_project_a.py')).toBe(true);
    expect(ignored('tenant_[\\d]', '', 'regexp', 'tenant_1/dag_1.py')).toBe(true);
    expect(ignored('tenant_[\\d]', '', 'regexp', 'tenant_x.py')).toBe(false);
    // A rule from sub/.airflowignore still sees the full relative path.
    expect(ignored('^sub/old_', 'sub', 'regexp', 'sub/old_dag.py')).toBe(true);
  });

  it('strips comments, translates Python named groups, and skips invalid expressions with a warning', () => {
    const warnings: string[] = [];
    const rules = parseIgnoreFile('# comment\nlegacy  # trailing comment\n(?P<n>x)_(?P=n)\n[unclosed\n\n', '', 'regexp',
      'dags/.airflowignore', (m) => warnings.push(m));
    expect(rules).toHaveLength(2);
    expect(isIgnored(rules, 'legacy_dag.py', false, 'regexp')).toBe(true);
    expect(isIgnored(rules, 'x_x.py', false, 'regexp')).toBe(true);
    expect(isIgnored(rules, 'x_y.py', false, 'regexp')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('[unclosed');
  });
});

describe('glob .airflowignore', () => {
  it('matches a slash-less pattern against the name at any depth', () => {
    expect(ignored('*_test.py', '', 'glob', 'a/b/c_test.py')).toBe(true);
    expect(ignored('*_test.py', '', 'glob', 'a/b/c.py')).toBe(false);
    expect(ignored('scratch', '', 'glob', 'x/scratch', true)).toBe(true);
  });

  it('anchors a pattern with a slash to the ignore file\'s directory', () => {
    expect(ignored('/local.py', '', 'glob', 'local.py')).toBe(true);
    expect(ignored('/local.py', '', 'glob', 'sub/local.py')).toBe(false);
    expect(ignored('build/*.py', 'proj', 'glob', 'proj/build/x.py')).toBe(true);
    expect(ignored('build/*.py', 'proj', 'glob', 'build/x.py')).toBe(false);
    expect(ignored('docs/**/*.yaml', '', 'glob', 'docs/a/b/c.yaml')).toBe(true);
  });

  it('matches a trailing-slash pattern only against directories, and re-includes with !', () => {
    expect(ignored('tmp/', '', 'glob', 'tmp', true)).toBe(true);
    expect(ignored('tmp/', '', 'glob', 'tmp', false)).toBe(false);
    expect(ignored('*.py\n!keep.py', '', 'glob', 'keep.py')).toBe(false);
    expect(ignored('*.py\n!keep.py', '', 'glob', 'drop.py')).toBe(true);
  });

  it('translates character classes and escapes like pathspec', () => {
    expect(gitWildMatch('dag_[!0-9].py')!.re.test('dag_a.py')).toBe(true);
    expect(gitWildMatch('dag_[!0-9].py')!.re.test('dag_1.py')).toBe(false);
    expect(gitWildMatch('what\\?.py')!.re.test('what?.py')).toBe(true);
    expect(gitWildMatch('what\\?.py')!.re.test('whatx.py')).toBe(false);
    expect(gitWildMatch('!x')!.include).toBe(false);
    expect(gitWildMatch('# not a pattern')).toBeNull();
  });
});
