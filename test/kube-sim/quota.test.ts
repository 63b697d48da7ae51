import { describe, expect, it } from 'vitest';
import { podTemplateHash } from './deployments.ts';
import { labelSelectorString } from './label-selector.ts';
import { formatQuantity } from './quantity.ts';
import { countKeys, podUsage } from './quota.ts';
import { CONFIGMAPS, DEPLOYMENTS, PODS } from './resources.ts';
import type { Pod } from './types.ts';

function pod(phase: NonNullable<Pod['status']['phase']>, containers: Pod['spec']['containers'], initContainers?: Pod['spec']['containers']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers, ...(initContainers ? { initContainers } : {}) }, status: { phase } };
}

function shown(u: ReturnType<typeof podUsage>): Record<string, string> {
  return Object.fromEntries([...u].map(([k, q]) => [k, formatQuantity(q)]));
}

describe('quota usage', () => {
  it('sums containers, takes the max with init containers, and maps extended resources to requests.*', () => {
    const u = podUsage(pod('Running', [
      { name: 'a', resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi', 'nvidia.com/gpu': '1' } } },
      { name: 'b', resources: { requests: { cpu: '250m', memory: '512Mi', 'nvidia.com/gpu': '1' }, limits: { cpu: '1' } } },
    ], [{ name: 'init', resources: { requests: { cpu: '2' } } }]));
    expect(shown(u)).toEqual({
      'count/pods': '1', pods: '1', cpu: '2', 'requests.cpu': '2', memory: '1Gi', 'requests.memory': '1Gi',
      'limits.cpu': '1500m', 'limits.memory': '512Mi', 'requests.nvidia.com/gpu': '1',
    });
  });

  it('charges a terminal pod only its object count', () => {
    for (const phase of ['Succeeded', 'Failed'] as const) {
      expect(shown(podUsage(pod(phase, [{ name: 'a', resources: { limits: { cpu: '1' } } }])))).toEqual({ 'count/pods': '1' });
    }
  });

  it('names object counts as count/<plural>[.<group>] plus the legacy names', () => {
    expect(countKeys(DEPLOYMENTS)).toEqual(['count/deployments.apps']);
    expect(countKeys(CONFIGMAPS)).toEqual(['count/configmaps', 'configmaps']);
    expect(countKeys(PODS)).toEqual(['count/pods']);
  });
});

describe('deployment helpers', () => {
  it('renders label selectors in the API server\'s sorted string form', () => {
    expect(labelSelectorString({ matchLabels: { tier: 'web', app: 'x' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['b', 'a'] }, { key: 'gone', operator: 'DoesNotExist' }] }))
      .toBe('app=x,env in (a,b),!gone,tier=web');
  });

  it('hashes pod templates stably into the safe alphabet', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(podTemplateHash(t)).toBe(podTemplateHash(structuredClone(t)));
    expect(podTemplateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(podTemplateHash({ ...t, metadata: { labels: { app: 'y' } } })).not.toBe(podTemplateHash(t));
  });
});
