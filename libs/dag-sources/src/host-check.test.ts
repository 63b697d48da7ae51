import { describe, expect, it } from 'vitest';
import { gitHostProblem, isLinkLocal } from './validate.ts';
import { resolvedHostProblem } from './host-check.ts';

describe('git hosts', () => {
  it('link-local addresses and metadata names are always refused', () => {
    for (const ip of ['169.254.169.254', '::ffff:169.254.1.1', 'fe80::1', '[fe80::1]']) expect(isLinkLocal(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '127.0.0.1', '::1', '2001:db8::1', '192.168.1.1']) expect(isLinkLocal(ip), ip).toBe(false);
    expect(gitHostProblem('http://169.254.169.254/latest', [])).toMatch(/link-local/);
    expect(gitHostProblem('http://[fe80::1]/x', [])).toMatch(/link-local/);
    expect(gitHostProblem('http://metadata.google.internal./x', [])).toMatch(/metadata/);
  });

  it('an empty allow-list allows any other host; a list allows its hosts, wildcards and ports', () => {
    expect(gitHostProblem('https://github.com/a/b.git', [])).toBeNull();
    const allowed = ['github.com', '*.corp.example', 'git.internal:8443'];
    expect(gitHostProblem('https://github.com/a/b.git', allowed)).toBeNull();
    expect(gitHostProblem('https://GitHub.com/a/b.git', allowed)).toBeNull();
    expect(gitHostProblem('https://git.corp.example/a.git', allowed)).toBeNull();
    expect(gitHostProblem('https://corp.example/a.git', allowed)).toMatch(/not one of/);
    expect(gitHostProblem('https://evilcorp.example/a.git', allowed)).toMatch(/not one of/);
    expect(gitHostProblem('https://git.internal:8443/a.git', allowed)).toBeNull();
    expect(gitHostProblem('https://git.internal/a.git', allowed)).toMatch(/"git\.internal" is not one of/);
    expect(gitHostProblem('https://github.com.evil.io/a.git', allowed)).toMatch(/not one of/);
  });

  it('a name is checked on what it resolves to', async () => {
    expect(await resolvedHostProblem('http://localhost:1/x', [])).toBeNull();
    expect(await resolvedHostProblem('http://no-such-host.invalid/x', [])).toBeNull(); // left to the fetch
  });
});
