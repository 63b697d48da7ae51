import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from './errors.ts';
import {
  assertDagRunTransition, assertTiTransition, canTransitionDagRun, canTransitionTi, clearedTiState, dagRunSourcesOf, isDagRunFinished,
  restartedOnClear, tiSourcesOf,
} from './state-machine.ts';
import type { DagRunState, TiStateOrNone } from './states.ts';
import { DAG_RUN_STATES, TI_STATES } from './states.ts';

const ALL: TiStateOrNone[] = [null, ...TI_STATES];
const name = (s: TiStateOrNone) => s ?? 'none';

// Written out by hand from airflow-semantics.md §2.2, independently of the implementation's table.
// Every state may also go to none (clear), success / failed / skipped (mark) and removed.
const OWN: Record<string, TiStateOrNone[]> = {
  none: ['scheduled', 'upstream_failed'],
  scheduled: ['queued'],
  queued: ['running', 'scheduled', 'up_for_retry'],
  running: ['up_for_retry', 'up_for_reschedule', 'deferred', 'restarting', 'queued'],
  restarting: ['up_for_retry'],
  up_for_retry: ['scheduled', 'upstream_failed'],
  up_for_reschedule: ['scheduled', 'upstream_failed'],
  deferred: ['scheduled'],
  success: [], failed: [], skipped: [], upstream_failed: [], removed: [],
};
const ANY: TiStateOrNone[] = [null, 'success', 'failed', 'skipped', 'removed'];

describe('task instance transitions', () => {
  const cases = ALL.flatMap((from) => ALL.map((to) => {
    const allowed = from !== to && (OWN[name(from)]!.includes(to) || ANY.includes(to));
    return { from, to, allowed };
  }));

  it.each(cases)('$from -> $to allowed=$allowed', ({ from, to, allowed }) => {
    expect(canTransitionTi(from, to)).toBe(allowed);
    if (allowed) expect(() => assertTiTransition(from, to)).not.toThrow();
    else {
      const err = (() => { try { assertTiTransition(from, to); } catch (e) { return e; } return null; })();
      expect(err).toBeInstanceOf(InvalidTransitionError);
      expect((err as InvalidTransitionError).code).toBe('INVALID_TRANSITION');
      expect((err as InvalidTransitionError).from).toBe(from);
      expect((err as InvalidTransitionError).to).toBe(to);
    }
  });

  it.each([
    // the scheduler's path and the retry loop
    [null, 'scheduled'], ['scheduled', 'queued'], ['queued', 'running'], ['running', 'success'],
    ['running', 'up_for_retry'], ['up_for_retry', 'scheduled'],
    // stuck in queued, zombies
    ['queued', 'failed'], ['queued', 'up_for_retry'], ['running', 'failed'],
    // a zombie whose pod runs on, handed over for adoption
    ['running', 'queued'],
    // clearing from anywhere, restarting a running try
    ['success', null], ['failed', null], ['upstream_failed', null], ['running', 'restarting'], ['restarting', 'up_for_retry'],
    // users marking
    ['queued', 'success'], [null, 'failed'], ['deferred', 'success'],
  ] as [TiStateOrNone, TiStateOrNone][])('documented move %s -> %s is allowed', (from, to) => {
    expect(canTransitionTi(from, to)).toBe(true);
  });

  it.each([
    [null, 'running'], [null, 'queued'], ['scheduled', 'running'], ['success', 'running'], ['failed', 'up_for_retry'],
    ['skipped', 'scheduled'], ['removed', 'scheduled'], [null, null], ['running', 'running'],
  ] as [TiStateOrNone, TiStateOrNone][])('forbidden move %s -> %s', (from, to) => {
    expect(canTransitionTi(from, to)).toBe(false);
  });

  it.each(ALL.map((s) => [s, s === 'running' ? 'restarting' : null] as const))('clearing %s gives %s', (from, to) => {
    expect(clearedTiState(from)).toBe(to);
    expect(canTransitionTi(from, clearedTiState(from)) || from === null).toBe(true);
  });
});

describe('DAG run transitions', () => {
  const allowed: Record<DagRunState, DagRunState[]> = {
    queued: ['running', 'success', 'failed'],
    running: ['success', 'failed', 'queued'],
    success: ['failed', 'queued'],
    failed: ['success', 'queued'],
  };
  const cases = DAG_RUN_STATES.flatMap((from) => DAG_RUN_STATES.map((to) => ({ from, to, ok: allowed[from].includes(to) })));
  it.each(cases)('$from -> $to allowed=$ok', ({ from, to, ok }) => {
    expect(canTransitionDagRun(from, to)).toBe(ok);
    if (ok) expect(() => assertDagRunTransition(from, to)).not.toThrow();
    else expect(() => assertDagRunTransition(from, to)).toThrow(InvalidTransitionError);
  });

  it('finished states', () => {
    expect(DAG_RUN_STATES.filter(isDagRunFinished)).toEqual(['success', 'failed']);
  });
});

describe('guards derived from the table (the webserver\'s set-state and clear statements)', () => {
  it('a user may mark a task instance from any other state, also from no status', () => {
    expect(tiSourcesOf('success')).toEqual([null, ...TI_STATES.filter((s) => s !== 'success')]);
    expect(tiSourcesOf('skipped')).not.toContain('skipped');
  });

  it('a DAG run may be marked or queued again from any other state', () => {
    expect(dagRunSourcesOf('queued')).toEqual(['running', 'success', 'failed']);
    expect(dagRunSourcesOf('failed')).toEqual(['queued', 'running', 'success']);
  });

  it('only a running task instance is restarted when cleared', () => {
    expect(restartedOnClear()).toEqual(['running']);
  });
});
