import { describe, expect, it } from 'vitest';
import { checkGitSource, gitUrlProblem, isValidBranch, normalizeSubdir } from './validate.ts';

describe('git source validation', () => {
  it('takes http(s) URLs only, without credentials', () => {
    expect(gitUrlProblem('https://github.com/acme/dags.git')).toBeNull();
    expect(gitUrlProblem('http://git.internal:8080/dags')).toBeNull();
    expect(gitUrlProblem('file:///etc')).toMatch(/file URLs are not supported/);
    expect(gitUrlProblem('ssh://git@github.com/acme/dags.git')).toMatch(/ssh URLs/);
    expect(gitUrlProblem('git@github.com:acme/dags.git')).not.toBeNull();
    expect(gitUrlProblem('https://bot:secret@github.com/acme/dags.git')).toMatch(/credentials/);
    expect(gitUrlProblem('not a url')).toBe('not a URL');
  });

  it('knows a branch name when it sees one', () => {
    for (const ok of ['dev', 'main', 'feature/x-1', 'release/2024.06', 'a@b']) expect(isValidBranch(ok), ok).toBe(true);
    for (const bad of ['', '-x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a.', 'a//b', '.a', 'a/.b', 'x.lock', 'a@{1}', '@', 'a\u0001'])
      expect(isValidBranch(bad), bad).toBe(false);
  });

  it('keeps a subdir inside the checkout', () => {
    expect(normalizeSubdir(undefined)).toEqual({ subdir: '' });
    expect(normalizeSubdir('./dags/')).toEqual({ subdir: 'dags' });
    expect(normalizeSubdir('a//b/./c')).toEqual({ subdir: 'a/b/c' });
    expect(normalizeSubdir('../x')).toHaveProperty('error');
    expect(normalizeSubdir('a/../../x')).toHaveProperty('error');
    expect(normalizeSubdir('/etc')).toHaveProperty('error');
    expect(normalizeSubdir('.git/hooks')).toHaveProperty('error');
  });

  it('names the field it refuses, and records the source normalized', () => {
    expect(checkGitSource({ url: 'https://h/r.git', branch: 'dev', subdir: './dags' })).toEqual({ source: { url: 'https://h/r.git', branch: 'dev', subdir: 'dags' } });
    expect(checkGitSource({ url: 'https://h/r.git', branch: 'dev', subdir: '' })).toEqual({ source: { url: 'https://h/r.git', branch: 'dev' } });
    expect(checkGitSource({ url: 'file:///etc', branch: 'dev' })).toEqual({ error: expect.stringMatching(/^url: /) });
    expect(checkGitSource({ url: 'https://h/r.git', branch: 'a..b' })).toEqual({ error: expect.stringMatching(/^branch: /) });
    expect(checkGitSource({ url: 'https://h/r.git', branch: 'dev', subdir: '..' })).toEqual({ error: expect.stringMatching(/^subdir: /) });
  });
});
