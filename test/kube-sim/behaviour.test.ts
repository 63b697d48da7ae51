import { describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULTS, BUILTIN_IMAGE_RULES, checkPartialBehaviour, resolveBehaviour, type ContainerBehaviour } from './behaviour.ts';

function resolve(annotations: Record<string, string>, image = 'busybox:1.36', container = 'base'): ContainerBehaviour {
  const r = resolveBehaviour(BUILTIN_DEFAULTS, BUILTIN_IMAGE_RULES, annotations, 'pod-1', container, image);
  if (!r.ok) throw new Error(r.error);
  return r.behaviour;
}

describe('container behaviour', () => {
  it('starts from the defaults', () => {
    expect(resolve({})).toEqual(BUILTIN_DEFAULTS);
  });

  it('reads the annotation vocabulary', () => {
    const b = resolve({
      'sim.windsock.dev/exit-code': '3',
      'sim.windsock.dev/run-ms': 'forever',
      'sim.windsock.dev/log-lines': '["a","b"]',
      'sim.windsock.dev/log-interval-ms': '5',
      'sim.windsock.dev/oom-killed': 'true',
      'sim.windsock.dev/unschedulable': 'true',
      'other.io/ignored': 'x',
    });
    expect(b).toMatchObject({ exitCode: 3, runMs: null, logLines: ['a', 'b'], logIntervalMs: 5, oomKilled: true });
    expect(b.unschedulable).toMatch(/^0\/1 nodes are available/);
  });

  it('generates numbered log lines from a count and a pattern', () => {
    const b = resolve({ 'sim.windsock.dev/log-count': '3', 'sim.windsock.dev/log-pattern': '{pod}/{container} {i} of {n}' });
    expect(b.logLines).toEqual(['pod-1/base 1 of 3', 'pod-1/base 2 of 3', 'pod-1/base 3 of 3']);
  });

  it('lets a per-container annotation override the pod-wide one', () => {
    const annotations = { 'sim.windsock.dev/exit-code': '1', 'sim.windsock.dev/exit-code.sidecar': '0' };
    expect(resolve(annotations, 'busybox:1', 'base').exitCode).toBe(1);
    expect(resolve(annotations, 'busybox:1', 'sidecar').exitCode).toBe(0);
  });

  it('applies image rules under the annotations', () => {
    expect(resolve({}, 'registry.local/app:missing').imagePull).toBe('ErrImagePull');
    expect(resolve({}, 'Registry/App:1').imagePull).toBe('InvalidImageName');
    expect(resolve({ 'sim.windsock.dev/image-pull': 'ok' }, 'registry.local/app:missing').imagePull).toBe('ok');
  });

  it('reports unknown keys and bad values instead of ignoring them', () => {
    const typo = resolveBehaviour(BUILTIN_DEFAULTS, [], { 'sim.windsock.dev/exit-cod': '1' }, 'p', 'c', 'i');
    expect(typo).toEqual({ ok: false, error: 'unknown annotation sim.windsock.dev/exit-cod' });
    const bad = resolveBehaviour(BUILTIN_DEFAULTS, [], { 'sim.windsock.dev/exit-code': 'one' }, 'p', 'c', 'i');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/exit-code: expected an exit code/);
  });

  it('validates behaviours given through the API', () => {
    expect(checkPartialBehaviour({ runMs: 10, logLines: ['x'], unschedulable: null })).toBeNull();
    expect(checkPartialBehaviour({ runMs: null })).toBeNull();
    expect(checkPartialBehaviour({ runMs: '10' })).toBe('runMs must be a number');
    expect(checkPartialBehaviour({ nope: 1 })).toBe('unknown behaviour field "nope"');
  });
});
