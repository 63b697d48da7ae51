import { describe, expect, it } from 'vitest';
import type { SerializedTask, TiStateOrNone } from '@windsock/dag-model';
import { chooseFollowOns, parsePeers, type FollowOnAsk, type Peer } from './follow-on.ts';

const NOW = new Date('2024-01-01T00:10:00Z');
const SLOT = { pool: 'default_pool', poolSlots: 1, queues: ['default'] };

function task(id: string, upstream: string[], over: Partial<SerializedTask> = {}): SerializedTask {
  return { task_id: id, upstream_task_ids: upstream, trigger_rule: 'all_success', ...over } as SerializedTask;
}

function peer(run: number, taskId: string, state: TiStateOrNone, over: Partial<Peer> = {}): Peer {
  return { id: `${run}-${taskId}`, dag_run_id: run, task_id: taskId, state, try_number: 0, pool: 'default_pool', pool_slots: 1, queue: 'default',
    priority_weight: 1, run_start_ms: NOW.getTime() - 60_000, ...over };
}

function ask(run: number, ended: string, candidates: SerializedTask[], over: Partial<FollowOnAsk> = {}): FollowOnAsk {
  return { tiId: `${run}-${ended}`, dagRunId: run, slot: SLOT, candidates, dagrunTimeoutS: null, ...over };
}

describe('chooseFollowOns', () => {
  it('starts the ready candidate, seeing the end\'s own new state', () => {
    const peers = [peer(1, 'a', 'running'), peer(1, 'b', null)];
    const chosen = chooseFollowOns([ask(1, 'a', [task('b', ['a'])])], peers, null, new Map([['1-a', 'success']]), NOW);
    expect(chosen).toEqual([{ endedTiId: '1-a', tiId: '1-b', tryNumber: 0 }]);
    // Without the end's state the upstream still reads running: nothing is ready.
    expect(chooseFollowOns([ask(1, 'a', [task('b', ['a'])])], peers, null, new Map(), NOW)).toEqual([]);
  });

  it('starts a task two ends of one batch make ready only once', () => {
    const c = task('c', ['a', 'b']);
    const peers = [peer(1, 'a', 'running'), peer(1, 'b', 'running'), peer(1, 'c', null)];
    const chosen = chooseFollowOns([ask(1, 'a', [c]), ask(1, 'b', [c])], peers, null, new Map([['1-a', 'success'], ['1-b', 'success']]), NOW);
    expect(chosen).toEqual([{ endedTiId: '1-a', tiId: '1-c', tryNumber: 0 }]);
  });

  it('gives way to a higher priority held back by the scheduler, not to an equal one', () => {
    const peers = [peer(1, 'a', 'running'), peer(1, 'b', null, { priority_weight: 5 })];
    const ended = new Map<string, TiStateOrNone>([['1-a', 'success']]);
    expect(chooseFollowOns([ask(1, 'a', [task('b', ['a'])])], peers, 6, ended, NOW)).toEqual([]);
    expect(chooseFollowOns([ask(1, 'a', [task('b', ['a'])])], peers, 5, ended, NOW)).toHaveLength(1);
  });

  it('checks the task instance\'s own pool, slots and queue, and the run\'s dagrun_timeout', () => {
    const ended = new Map<string, TiStateOrNone>([['1-a', 'success']]);
    const run = (b: Partial<Peer>, a: Partial<FollowOnAsk> = {}) => chooseFollowOns([ask(1, 'a', [task('b', ['a'])], a)], [peer(1, 'a', 'running'), peer(1, 'b', null, b)], null, ended, NOW);
    expect(run({ pool: 'other' })).toEqual([]);
    expect(run({ pool_slots: 2 })).toEqual([]);
    expect(run({ queue: 'spark' })).toEqual([]);
    expect(run({}, { dagrunTimeoutS: 30 })).toEqual([]); // started a minute ago
    expect(run({}, { dagrunTimeoutS: 120 })).toHaveLength(1);
  });

  it('starts nothing in a run the statement did not return (not running, or its DAG paused)', () => {
    expect(chooseFollowOns([ask(2, 'a', [task('b', ['a'])])], [peer(1, 'b', null)], null, new Map([['2-a', 'success']]), NOW)).toEqual([]);
  });
});

describe('parsePeers', () => {
  it('reads the statement\'s text form', () => {
    const text = ['x1\x1f7\x1fb\x1f\x1f2\x1fdefault_pool\x1f1\x1fdefault\x1f3\x1f1704067200000', 'x2\x1f7\x1fa\x1fsuccess\x1f1\x1fp\x1f2\x1fq\x1f-4\x1f'].join('\x1e');
    expect(parsePeers(text)).toEqual([
      { id: 'x1', dag_run_id: 7, task_id: 'b', state: null, try_number: 2, pool: 'default_pool', pool_slots: 1, queue: 'default', priority_weight: 3, run_start_ms: 1704067200000 },
      { id: 'x2', dag_run_id: 7, task_id: 'a', state: 'success', try_number: 1, pool: 'p', pool_slots: 2, queue: 'q', priority_weight: -4, run_start_ms: null },
    ]);
    expect(parsePeers(null)).toEqual([]);
  });
});
