import { describe, expect, it } from 'vitest';
import { containerView, pendingLine } from './pod-status.ts';

describe('containerView', () => {
  it('reads unschedulable, image pull and config errors as pending with a reason; ContainerCreating is quiet', () => {
    const unsched = { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes' }] } };
    expect(containerView(unsched, 'base')).toEqual({ state: 'pending', reason: 'Unschedulable', message: '0/1 nodes' });
    const pull = { status: { phase: 'Pending', containerStatuses: [{ name: 'base', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] } };
    expect(pendingLine('p', containerView(pull, 'base'))).toBe('Pod p is pending: ImagePullBackOff: Back-off pulling image');
    const creating = { status: { phase: 'Pending', containerStatuses: [{ name: 'base', state: { waiting: { reason: 'ContainerCreating' } } }] } };
    expect(pendingLine('p', containerView(creating, 'base'))).toBeNull();
  });
  it('reads the named container\'s termination (exit code, reason) and a pod that ended without one', () => {
    const oom = { status: { phase: 'Failed', containerStatuses: [{ name: 'side', state: { running: {} } }, { name: 'base', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] } };
    expect(containerView(oom, 'base')).toEqual({ state: 'terminated', exitCode: 137, reason: 'OOMKilled', message: null });
    expect(containerView(oom, 'side')).toEqual({ state: 'running' });
    expect(containerView({ status: { phase: 'Failed', reason: 'DeadlineExceeded' } }, 'base')).toMatchObject({ state: 'terminated', exitCode: -1, reason: 'DeadlineExceeded' });
  });
});
