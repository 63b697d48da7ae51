import { describe, expect, it } from 'vitest';
import { DagValidationError } from './errors.ts';
import type { TriggerRule } from './serialized.ts';
import { TRIGGER_RULES } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';
import type { TriggerDecision, UpstreamSummary } from './trigger-rules.ts';
import { evaluateTriggerRule, parseTriggerRule, summarizeUpstream } from './trigger-rules.ts';

type Short = 'R' | 'W' | 'UF' | 'SK';
const short = (d: TriggerDecision): Short =>
  d.kind === 'ready' ? 'R' : d.kind === 'wait' ? 'W' : d.state === 'upstream_failed' ? 'UF' : 'SK';

// Upstream mixes (one entry per direct upstream task); `running` and null are unfinished.
const MIXES: Record<string, TiStateOrNone[]> = {
  B: ['success', 'success'],
  C: ['success', 'running'],
  D: ['failed', 'running'],
  E: ['skipped', 'running'],
  F: ['success', 'failed'],
  G: ['skipped', 'skipped'],
  H: ['success', 'skipped'],
  I: ['failed', 'failed'],
  J: ['upstream_failed', 'success'],
  K: [null, null],
  L: ['removed'],
  M: ['skipped', 'failed'],
  N: ['upstream_failed', 'upstream_failed'],
};
const ORDER = Object.keys(MIXES);

// Expected decision per rule for mixes B..N, worked out by hand from trigger_rule_dep.py.
const EXPECTED: Record<TriggerRule, string> = {
  all_success:                 'R  W  UF SK UF SK SK UF UF W  W  UF UF',
  all_failed:                  'SK SK W  SK SK SK SK R  SK W  W  SK R',
  all_done:                    'R  W  W  W  R  R  R  R  R  W  R  R  R',
  all_done_setup_success:      'R  W  W  W  R  R  R  R  R  W  R  R  R',
  one_success:                 'R  R  W  W  R  SK R  UF R  W  UF UF UF',
  one_failed:                  'SK W  R  W  R  SK SK R  R  W  SK R  R',
  one_done:                    'R  R  R  W  R  SK R  R  R  W  SK R  SK',
  none_failed:                 'R  W  UF W  UF R  R  UF UF W  W  UF UF',
  none_failed_min_one_success: 'R  W  UF W  UF SK R  UF UF W  W  UF UF',
  none_skipped:                'R  W  W  SK R  SK SK R  R  W  R  SK R',
  all_skipped:                 'SK SK SK W  SK R  SK SK SK W  W  SK SK',
  always:                      'R  R  R  R  R  R  R  R  R  R  R  R  R',
};

describe('evaluateTriggerRule', () => {
  const cases = TRIGGER_RULES.flatMap((rule) => {
    const expected = EXPECTED[rule].trim().split(/\s+/);
    expect(expected).toHaveLength(ORDER.length);
    return ORDER.map((mix, i) => ({ rule, mix, states: MIXES[mix]!, expected: expected[i] }));
  });

  it.each(cases)('$rule with $states -> $expected', ({ rule, states, expected }) => {
    expect(short(evaluateTriggerRule(rule, summarizeUpstream(states)))).toBe(expected);
  });

  it.each(TRIGGER_RULES.map((r) => [r]))('%s with no upstream tasks is ready', (rule) => {
    expect(evaluateTriggerRule(rule, summarizeUpstream([]))).toEqual({ kind: 'ready' });
  });

  it('all_success marks upstream_failed as soon as one upstream failed, even with others still running', () => {
    expect(evaluateTriggerRule('all_success', summarizeUpstream(['failed', 'running', null, 'queued'])))
      .toEqual({ kind: 'set', state: 'upstream_failed' });
  });

  it('one_success fires without waiting for the others', () => {
    expect(evaluateTriggerRule('one_success', summarizeUpstream(['success', 'running', null, 'queued'])))
      .toEqual({ kind: 'ready' });
  });

  it('one_failed fires on an upstream_failed upstream without waiting', () => {
    expect(evaluateTriggerRule('one_failed', summarizeUpstream(['upstream_failed', 'running'])))
      .toEqual({ kind: 'ready' });
  });

  const setup = (over: Partial<UpstreamSummary>): UpstreamSummary => ({
    total: 2, success: 0, skipped: 0, failed: 0, upstream_failed: 0, removed: 0, done: 0,
    setupTotal: 0, setupSuccess: 0, setupSkipped: 0, ...over,
  });
  it.each([
    ['setup succeeded, all done', setup({ success: 2, done: 2, setupTotal: 1, setupSuccess: 1 }), 'R'],
    ['setup skipped', setup({ success: 1, skipped: 1, done: 2, setupTotal: 1, setupSkipped: 1 }), 'SK'],
    ['setup failed', setup({ success: 1, failed: 1, done: 2, setupTotal: 1 }), 'UF'],
    ['setup succeeded, one still running', setup({ success: 1, done: 1, setupTotal: 1, setupSuccess: 1 }), 'W'],
    ['two setups, one ran', setup({ success: 1, skipped: 1, done: 2, setupTotal: 2, setupSuccess: 1, setupSkipped: 1 }), 'R'],
    ['setup failed but upstream not done yet', setup({ failed: 1, done: 1, setupTotal: 1 }), 'W'],
  ] as const)('all_done_setup_success: %s', (_label, up, expected) => {
    expect(short(evaluateTriggerRule('all_done_setup_success', up))).toBe(expected);
  });
});

describe('summarizeUpstream', () => {
  it('counts finished states only, total counts every upstream', () => {
    expect(summarizeUpstream(['success', 'skipped', 'failed', 'upstream_failed', 'removed', null, 'running', 'up_for_retry']))
      .toEqual({
        total: 8, success: 1, skipped: 1, failed: 1, upstream_failed: 1, removed: 1, done: 5,
        setupTotal: 0, setupSuccess: 0, setupSkipped: 0,
      });
  });
});

describe('parseTriggerRule', () => {
  it.each(TRIGGER_RULES.map((r) => [r]))('accepts %s', (r) => expect(parseTriggerRule(r)).toBe(r));
  it.each([['dummy', 'always'], ['none_failed_or_skipped', 'none_failed_min_one_success']])(
    'maps the deprecated alias %s to %s', (alias, rule) => expect(parseTriggerRule(alias)).toBe(rule));
  it.each([['all_sucess'], [''], ['ALL_SUCCESS'], ['none']])('rejects %j', (bad) => {
    try {
      parseTriggerRule(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DagValidationError);
      expect((e as DagValidationError).code).toBe('BAD_TRIGGER_RULE');
    }
  });
});
