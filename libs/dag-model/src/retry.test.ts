import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pythonStr } from './python-datetime.ts';
import type { RetryPolicy } from './retry.ts';
import { failedTryOutcome, MAX_RETRY_DELAY_SECONDS, nextRetryAt, retryDelaySeconds, shouldRetry } from './retry.ts';

const LOGICAL = pythonStr(new Date('2024-01-01T00:00:00Z'));
const END = new Date('2024-01-02T03:04:05Z');
const key = (tryNumber: number, logicalDate: Date | string = LOGICAL) => ({ dagId: 'etl', taskId: 'load', logicalDate, tryNumber });
const policy = (retry_delay: number, retry_exponential_backoff = true, max_retry_delay: number | null = null): RetryPolicy =>
  ({ retry_delay, retry_exponential_backoff, max_retry_delay });

describe('nextRetryAt (Airflow 2.10 next_retry_datetime)', () => {
  it('hashes str(logical_date) with a space separator', () => {
    expect(LOGICAL).toBe('2024-01-01 00:00:00+00:00');
  });

  // Expected values computed with CPython from the formula in taskinstance.py (hashlib.sha1, int(..., 16)).
  it.each([
    ['no backoff: plain retry_delay', policy(300, false), 1, '2024-01-02T03:09:05.000Z'],
    ['no backoff ignores max_retry_delay', policy(300, false, 10), 1, '2024-01-02T03:09:05.000Z'],
    ['backoff try 1: [300, 600)', policy(300), 1, '2024-01-02T03:09:27.000Z'],
    ['backoff try 2: [600, 1200)', policy(300), 2, '2024-01-02T03:23:40.000Z'],
    ['backoff try 3: [1200, 2400)', policy(300), 3, '2024-01-02T03:33:18.000Z'],
    ['backoff try 8: [38400, 76800)', policy(300), 8, new Date(END.getTime() + 46_017_000).toISOString()],
    ['max_retry_delay caps', policy(300, true, 600), 4, '2024-01-02T03:14:05.000Z'],
    ['MAX_RETRY_DELAY caps the hashed value (try 9: [76800, 153600))', policy(300), 9, '2024-01-03T03:04:05.000Z'],
    ['MAX_RETRY_DELAY caps huge exponents', policy(300), 200, '2024-01-03T03:04:05.000Z'],
    ['retry_delay 0 → min_backoff 1', policy(0), 1, '2024-01-02T03:04:06.000Z'],
    ['retry_delay 0.2 → ceil gives 1', policy(0.2), 1, '2024-01-02T03:04:06.000Z'],
    ['fractional delay: ceil(1.5·2) = 3 → 3 + h % 3', policy(1.5), 2, '2024-01-02T03:04:10.000Z'],
  ] as const)('%s', (_label, p, tryNumber, expected) => {
    expect(nextRetryAt(p, key(tryNumber), END).toISOString()).toBe(expected);
  });

  it('a Date logical date is hashed as Python str() prints it', () => {
    expect(retryDelaySeconds(policy(300), key(2, new Date('2024-01-01T00:00:00Z')))).toBe(1175);
  });

  it('a different logical date text gives a different jitter (the key is hashed verbatim)', () => {
    expect(retryDelaySeconds(policy(300), key(2, '2024-01-01T00:00:00+00:00'))).toBe(852);
    expect(retryDelaySeconds(policy(300), key(2))).toBe(1175);
  });

  it.each([1, 2, 3, 4, 5, 6, 7].map((n) => [n]))('try %i matches an independent sha1 % min_backoff', (n) => {
    const minBackoff = Math.ceil(7 * 2 ** (n - 1));
    const h = BigInt(`0x${createHash('sha1').update(`etl#load#${LOGICAL}#${n}`).digest('hex')}`);
    const expected = minBackoff + Number(h % BigInt(minBackoff));
    const got = retryDelaySeconds(policy(7), key(n));
    expect(got).toBe(Math.min(expected, MAX_RETRY_DELAY_SECONDS));
    expect(got).toBeGreaterThanOrEqual(minBackoff);
    expect(got).toBeLessThan(2 * minBackoff);
  });

  it('is deterministic per key', () => {
    expect(retryDelaySeconds(policy(60), key(3))).toBe(retryDelaySeconds(policy(60), key(3)));
  });
});

describe('shouldRetry', () => {
  it.each([
    [1, 0, undefined, false],
    [1, 1, undefined, true],
    [2, 1, undefined, false],
    [3, 3, undefined, true],
    [4, 3, undefined, false],
    [1, 2, 0, false],
    [1, 2, 2, true],
  ] as const)('try %i, max_tries %i, retries %s → %s', (tryNumber, maxTries, retries, expected) => {
    expect(shouldRetry(tryNumber, maxTries, retries)).toBe(expected);
  });
});

describe('failedTryOutcome', () => {
  const policy = { retry_delay: 60, retry_exponential_backoff: false, max_retry_delay: null };
  const key = { dagId: 'd', taskId: 't', logicalDate: new Date('2024-01-01T00:00:00Z'), tryNumber: 1, maxTries: 1 };
  const end = new Date('2024-01-01T01:00:00Z');
  it('retries while tries are left, at the end plus the delay', () => {
    expect(failedTryOutcome(policy, key, end)).toEqual({ state: 'up_for_retry', retryAt: new Date('2024-01-01T01:01:00Z') });
  });
  it('fails on the last try', () => {
    expect(failedTryOutcome(policy, { ...key, tryNumber: 2 }, end)).toEqual({ state: 'failed', retryAt: null });
  });
  it('fails a task that is gone from its DAG', () => {
    expect(failedTryOutcome(undefined, key, end)).toEqual({ state: 'failed', retryAt: null });
  });
});
