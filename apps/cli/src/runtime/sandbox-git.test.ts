import { describe, expect, it } from 'vitest';
import { gitSourceFromEnv } from './sandbox-git.ts';

describe('a sandbox scheduler\'s git source', () => {
  it('is read from the environment the control plane set, checked again', () => {
    expect(gitSourceFromEnv({})).toBeNull();
    expect(gitSourceFromEnv({ WINDSOCK_SANDBOX_GIT: '{"url":"https://h/r.git","branch":"dev","subdir":"./dags"}' }))
      .toEqual({ source: { url: 'https://h/r.git', branch: 'dev', subdir: 'dags' }, auth: null });
    expect(gitSourceFromEnv({ WINDSOCK_SANDBOX_GIT: '{"url":"https://h/r.git","branch":"dev"}', WINDSOCK_SANDBOX_GIT_AUTH: '{"username":"u","password":"p"}' })?.auth)
      .toEqual({ username: 'u', password: 'p' });
    expect(() => gitSourceFromEnv({ WINDSOCK_SANDBOX_GIT: '{"url":"file:///etc","branch":"dev"}' })).toThrow(/url: file URLs/);
    expect(() => gitSourceFromEnv({ WINDSOCK_SANDBOX_GIT: 'nope' })).toThrow(/not JSON/);
    expect(() => gitSourceFromEnv({ WINDSOCK_SANDBOX_GIT: '{"url":"https://h/r.git","branch":"dev"}', WINDSOCK_SANDBOX_GIT_AUTH: 'p4ss' })).toThrow(/^WINDSOCK_SANDBOX_GIT_AUTH is not JSON/);
  });
});
