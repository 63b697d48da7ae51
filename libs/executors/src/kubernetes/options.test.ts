import { describe, expect, it } from 'vitest';
import { compileKubernetesOptions, imageForTag, nodeGroupPlacement, parseNodeGroups } from './options.ts';

describe('kubernetes options', () => {
  it('fills defaults and rejects what cannot work', () => {
    expect(compileKubernetesOptions({ qps: 5 })).toMatchObject({ qps: 5, burst: 30, namespace: 'default', deleteOnFailure: true });
    expect(() => compileKubernetesOptions({ namespace: 'Bad_NS' })).toThrow(expect.objectContaining({ code: 'LAUNCH_FAILED' }));
    expect(() => compileKubernetesOptions({ qps: 0 })).toThrow(/qps/);
    expect(() => compileKubernetesOptions({ requestRetries: -1 })).toThrow(/requestRetries/);
  });
  it('turns an image_tag into an image with the registry prefix', () => {
    expect(imageForTag('', 'repo.dag.build')).toBe('repo.dag.build');
    expect(imageForTag('registry.example.com/platform', 'repo.dag.build')).toBe('registry.example.com/platform/repo.dag.build');
    expect(imageForTag('registry.example.com/platform/', 'repo.dag.build')).toBe('registry.example.com/platform/repo.dag.build');
    expect(imageForTag('registry.example.com/platform:', 'repo.dag.build')).toBe('registry.example.com/platform:repo.dag.build');
  });
  it('reads node groups from JSON and places unlisted groups by label', () => {
    const groups = parseNodeGroups('{"gpu_1": {"nodeSelector": {"pool": "gpu"}}}');
    expect(groups).toEqual({ gpu_1: { nodeSelector: { pool: 'gpu' }, tolerations: [] } });
    expect(parseNodeGroups('')).toEqual({});
    expect(() => parseNodeGroups('[1]')).toThrow(/JSON object/);
    const o = compileKubernetesOptions({ nodeGroups: groups });
    expect(nodeGroupPlacement(o, 'gpu_1').nodeSelector).toEqual({ pool: 'gpu' });
    expect(nodeGroupPlacement(o, 'cpu_1')).toEqual({ nodeSelector: { 'windsock.dev/node-group': 'cpu_1' }, tolerations: [{ key: 'windsock.dev/node-group', operator: 'Equal', value: 'cpu_1', effect: 'NoSchedule' }] });
  });
});
