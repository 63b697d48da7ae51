/**
 * Brute-force protection for sign-in (POST /auth/token and basic auth): failed attempts are counted per
 * (username, client address) over a sliding window; past the limit every attempt for that key is refused with
 * 429 and Retry-After until the oldest failure leaves the window, whether the password is right or not.
 * A success clears the key. In memory, per webserver process.
 */
import { ApiError } from '../errors.ts';

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  constructor(max: number, windowMs: number) { this.max = max; this.windowMs = windowMs; }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length) this.failures.set(key, list); else this.failures.delete(key);
    return list;
  }

  /** Throws TOO_MANY_ATTEMPTS when the key is locked out. */
  check(key: string, now = Date.now()): void {
    const list = this.recent(key, now);
    if (list.length >= this.max) {
      const retry = Math.max(1, Math.ceil((list[0]! + this.windowMs - now) / 1000));
      throw new ApiError('TOO_MANY_ATTEMPTS', 'Too Many Requests', 'Too many failed sign-in attempts; try again later', { 'Retry-After': String(retry) });
    }
  }

  fail(key: string, now = Date.now()): void {
    const list = this.recent(key, now);
    list.push(now);
    this.failures.set(key, list);
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(key: string): void { this.failures.delete(key); }
}
