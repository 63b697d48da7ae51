/**
 * Waiting on a condition in tests (they never sleep for a fixed time): polls `fn` until it gives a value that is not
 * null, undefined or false, and returns it; throws after `ms`, naming what it waited for and the last error `fn`
 * threw, if any.
 */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) { last = err; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
