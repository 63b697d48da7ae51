import { describe, expect, it } from 'vitest';
import { credentialsFor, parseGitCredentials, TOKEN_USERNAME } from './credentials.ts';

describe('git credentials', () => {
  const creds = parseGitCredentials(`
https://github.com/: { username: anyone, password: p-all }
https://github.com/acme: { token: t-acme }
"https://github.com/acme/secret.git": { username: bot, password: p-secret }
`);

  it('reads YAML (and so JSON), a token going with a default username', () => {
    expect(creds).toContainEqual({ prefix: 'https://github.com/acme', username: TOKEN_USERNAME, password: 't-acme' });
    expect(parseGitCredentials('{"https://h/": {"username": "u", "token": "t"}}')).toEqual([{ prefix: 'https://h/', username: 'u', password: 't' }]);
    expect(parseGitCredentials('')).toEqual([]);
  });

  it('gives a URL the longest prefix it starts with, at a boundary', () => {
    expect(credentialsFor('https://github.com/acme/dags.git', creds)).toEqual({ username: TOKEN_USERNAME, password: 't-acme' });
    expect(credentialsFor('https://github.com/acme/secret.git', creds)).toEqual({ username: 'bot', password: 'p-secret' });
    expect(credentialsFor('https://github.com/acme-evil/x.git', creds)).toEqual({ username: 'anyone', password: 'p-all' });
    expect(credentialsFor('https://github.com.evil.com/x.git', creds)).toBeNull();
    expect(credentialsFor('https://gitlab.com/x.git', creds)).toBeNull();
  });

  it('never shows a secret in its errors', () => {
    expect(() => parseGitCredentials('https://h/: { username: u, password: "s3cret\n')).toThrow(/not valid YAML or JSON/);
    try { parseGitCredentials('https://h/: { username: u, password: "s3cret\n'); } catch (err) { expect((err as Error).message).not.toContain('s3cret'); }
    expect(() => parseGitCredentials('https://h/: { username: u }')).toThrow(/has no password or token/);
    expect(() => parseGitCredentials('- a\n- b')).toThrow(/expected a map/);
  });
});
