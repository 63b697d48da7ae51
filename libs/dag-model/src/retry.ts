/**
 * Retry timing and eligibility, as Airflow 2.10's TaskInstance.next_retry_datetime and
 * is_eligible_to_retry (airflow-semantics.md §3).
 *
 * With exponential backoff the delay of try n is drawn, deterministically per task instance and
 * try, from [ceil(retry_delay·2^(n-1)), 2·that): a sha1 of `dag_id#task_id#<logical date>#n` picks
 * the point. Airflow formats the logical date with an f-string, i.e. Python's `str()` of the UTC
 * datetime read from the database (`2024-01-01 00:00:00+00:00`, see pythonStr): pass the Date and
 * this module formats it so.
 */
import { createHash } from 'node:crypto';
import { pythonStr } from './python-datetime.ts';

/** Airflow's MAX_RETRY_DELAY: no backoff delay exceeds a day. */
export const MAX_RETRY_DELAY_SECONDS = 24 * 60 * 60;

export interface RetryPolicy {
  /** Seconds (may be fractional, as a Python timedelta). */
  retry_delay: number;
  retry_exponential_backoff: boolean;
  /** Seconds; null or 0 means no cap besides MAX_RETRY_DELAY_SECONDS. Only applies with backoff. */
  max_retry_delay: number | null;
}

export interface RetryKey {
  dagId: string;
  taskId: string;
  /**
   * The logical date. A Date is printed as Airflow's f-string prints it (pythonStr,
   * `2024-01-01 00:00:00+00:00`); a string is hashed verbatim.
   */
  logicalDate: Date | string;
  /** The try that just failed (Airflow 2.10 numbering: the first try is 1). */
  tryNumber: number;
}

const logicalDateText = (d: Date | string): string => (typeof d === 'string' ? d : pythonStr(d));

/** The delay in seconds before the next try, per Airflow 2.10's formula. */
export function retryDelaySeconds(p: RetryPolicy, key: RetryKey): number {
  if (!p.retry_exponential_backoff) return p.retry_delay;
  let minBackoff = Math.ceil(p.retry_delay * 2 ** (key.tryNumber - 1));
  if (!(minBackoff >= 1)) minBackoff = 1; // also catches NaN
  let delay: number;
  if (minBackoff >= MAX_RETRY_DELAY_SECONDS) {
    // modded_hash >= min_backoff, so the cap decides; this also avoids BigInt(Infinity).
    delay = MAX_RETRY_DELAY_SECONDS;
  } else {
    const digest = createHash('sha1')
      .update(`${key.dagId}#${key.taskId}#${logicalDateText(key.logicalDate)}#${key.tryNumber}`, 'utf8')
      .digest('hex');
    const moddedHash = BigInt(minBackoff) + (BigInt(`0x${digest}`) % BigInt(minBackoff));
    delay = Math.min(Number(moddedHash), MAX_RETRY_DELAY_SECONDS);
  }
  if (p.max_retry_delay) delay = Math.min(p.max_retry_delay, delay);
  return delay;
}

/** When the next try may start: the failed try's end plus the retry delay. */
export function nextRetryAt(p: RetryPolicy, key: RetryKey, endDate: Date): Date {
  return new Date(endDate.getTime() + Math.round(retryDelaySeconds(p, key) * 1000));
}

/**
 * Whether a failed try gets another one (→ up_for_retry) or the task instance fails. Airflow 2.10
 * increments try_number when the try is scheduled, so try n of a task with r retries is retried
 * while n <= max_tries (max_tries = r, raised by clearing). `retries`, when given, is the task's
 * current setting: a task whose retries were set to 0 is not retried whatever max_tries says.
 */
export function shouldRetry(tryNumber: number, maxTries: number, retries?: number): boolean {
  if (retries !== undefined && retries <= 0) return false;
  return tryNumber <= maxTries;
}

export type FailedTryOutcome = { state: 'up_for_retry'; retryAt: Date } | { state: 'failed'; retryAt: null };

/**
 * The one retry-or-fail decision for a try that failed (in the worker, as a zombie, or stuck in the queue):
 * up_for_retry with the next try's time while the task has tries left, failed otherwise. `task` is the task's
 * retry policy as the DAG now declares it; undefined (the task is gone from its DAG) fails the task instance.
 */
export function failedTryOutcome(task: RetryPolicy | undefined, key: RetryKey & { maxTries: number }, endDate: Date): FailedTryOutcome {
  if (task === undefined || !shouldRetry(key.tryNumber, key.maxTries)) return { state: 'failed', retryAt: null };
  return { state: 'up_for_retry', retryAt: nextRetryAt(task, key, endDate) };
}
