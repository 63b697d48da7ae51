/**
 * Trigger rules, as Airflow 2.10's TriggerRuleDep evaluates them during a scheduling pass
 * (`airflow/ti_deps/deps/trigger_rule_dep.py`, `_evaluate_direct_relatives` with
 * flag_upstream_failed=True), for unmapped tasks. airflow-semantics.md §2.3.
 *
 * Only *finished* direct upstream task instances are counted; `total` is the number of direct
 * upstream tasks. The forced state is decided first and wins over "ready": a task instance moved to
 * upstream_failed / skipped is no longer schedulable even if the rule would also pass (this happens
 * with none_failed_min_one_success when every upstream was skipped).
 */
import { DagValidationError } from './errors.ts';
import type { TriggerRule } from './serialized.ts';
import { TRIGGER_RULES } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';

export interface UpstreamSummary {
  /** Number of direct upstream tasks. */
  total: number;
  success: number;
  skipped: number;
  failed: number;
  upstream_failed: number;
  removed: number;
  /** success + skipped + failed + upstream_failed + removed. */
  done: number;
  /** Setup tasks among the direct upstreams (Airflow 2.7+ setup/teardown), and how they ended. */
  setupTotal: number;
  setupSuccess: number;
  setupSkipped: number;
}

export type TriggerDecision =
  | { kind: 'ready' }
  | { kind: 'wait' }
  | { kind: 'set'; state: 'upstream_failed' | 'skipped' };

const READY: TriggerDecision = { kind: 'ready' };
const WAIT: TriggerDecision = { kind: 'wait' };
const UPSTREAM_FAILED: TriggerDecision = { kind: 'set', state: 'upstream_failed' };
const SKIPPED: TriggerDecision = { kind: 'set', state: 'skipped' };

/** Deprecated names Airflow still accepts. */
const TRIGGER_RULE_ALIASES: Readonly<Record<string, TriggerRule>> = {
  dummy: 'always',
  none_failed_or_skipped: 'none_failed_min_one_success',
};

export function parseTriggerRule(s: string): TriggerRule {
  if ((TRIGGER_RULES as readonly string[]).includes(s)) return s as TriggerRule;
  const alias = TRIGGER_RULE_ALIASES[s];
  if (alias !== undefined) return alias;
  throw new DagValidationError('BAD_TRIGGER_RULE',
    `unknown trigger rule ${JSON.stringify(s)}; expected one of ${TRIGGER_RULES.join(', ')}`);
}

/** Counts the states of a task's direct upstream task instances (one entry per upstream task). */
export function summarizeUpstream(states: Iterable<TiStateOrNone>): UpstreamSummary {
  const up: UpstreamSummary = {
    total: 0, success: 0, skipped: 0, failed: 0, upstream_failed: 0, removed: 0, done: 0,
    setupTotal: 0, setupSuccess: 0, setupSkipped: 0,
  };
  for (const s of states) {
    up.total++;
    if (s === 'success' || s === 'skipped' || s === 'failed' || s === 'upstream_failed' || s === 'removed') {
      up[s]++;
      up.done++;
    }
  }
  return up;
}

export function evaluateTriggerRule(rule: TriggerRule, up: UpstreamSummary): TriggerDecision {
  if (up.total === 0 || rule === 'always') return READY;
  const forced = forcedState(rule, up);
  if (forced !== null) return forced;
  return rulePasses(rule, up) ? READY : WAIT;
}

/** The state Airflow sets while evaluating the rule (flag_upstream_failed), in its order of checks. */
function forcedState(rule: TriggerRule, up: UpstreamSummary): TriggerDecision | null {
  const { success, skipped, failed, upstream_failed: upstreamFailed, done, total } = up;
  const upstreamDone = done >= total;
  switch (rule) {
    case 'all_success':
      if (upstreamFailed || failed) return UPSTREAM_FAILED;
      if (skipped) return SKIPPED;
      return null;
    case 'all_failed':
      return success || skipped ? SKIPPED : null;
    case 'one_success':
      if (upstreamDone && done === skipped) return SKIPPED;
      if (upstreamDone && success <= 0) return UPSTREAM_FAILED;
      return null;
    case 'one_failed':
      return upstreamDone && !(failed || upstreamFailed) ? SKIPPED : null;
    case 'one_done':
      return upstreamDone && !(failed || success) ? SKIPPED : null;
    case 'none_failed':
      return upstreamFailed || failed ? UPSTREAM_FAILED : null;
    case 'none_failed_min_one_success':
      if (upstreamFailed || failed) return UPSTREAM_FAILED;
      if (skipped === total) return SKIPPED;
      return null;
    case 'none_skipped':
      return skipped ? SKIPPED : null;
    case 'all_skipped':
      return success || failed || upstreamFailed ? SKIPPED : null;
    case 'all_done_setup_success':
      if (upstreamDone && up.setupTotal && up.setupSkipped >= up.setupTotal) return SKIPPED;
      if (upstreamDone && up.setupTotal && up.setupSuccess === 0) return UPSTREAM_FAILED;
      return null;
    case 'all_done':
    case 'always':
      return null;
    default: {
      const unreachable: never = rule;
      throw new Error(`unknown trigger rule ${String(unreachable)}`);
    }
  }
}

/** Whether the dependency passes (the second half of `_evaluate_direct_relatives`). */
function rulePasses(rule: TriggerRule, up: UpstreamSummary): boolean {
  const { success, skipped, failed, upstream_failed: upstreamFailed, done, total } = up;
  const upstreamDone = done >= total;
  switch (rule) {
    case 'one_success':
      return success > 0;
    case 'one_failed':
      return failed > 0 || upstreamFailed > 0;
    case 'one_done':
      return success + failed > 0;
    case 'all_success':
      return total - success <= 0;
    case 'all_failed':
      return total - failed - upstreamFailed <= 0;
    case 'all_done':
      return upstreamDone;
    case 'none_failed':
    case 'none_failed_min_one_success':
      return total - success - skipped <= 0;
    case 'none_skipped':
      return upstreamDone && skipped === 0;
    case 'all_skipped':
      return total - skipped <= 0;
    case 'all_done_setup_success':
      return upstreamDone && !(up.setupTotal && !up.setupSuccess);
    case 'always':
      return true;
    default: {
      const unreachable: never = rule;
      throw new Error(`unknown trigger rule ${String(unreachable)}`);
    }
  }
}
