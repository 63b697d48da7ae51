/**
 * Adoption without repeating lines: the task log of an adopted try already holds a prefix of the container's
 * log (the dead worker stored lines in order and lost at most its unsent tail), interleaved with Windsock's
 * own lines. Reading the container log again from the start, each line is matched in order against the
 * stored lines; while it is found it was stored and is skipped, from the first one that is not, everything
 * is written.
 */
export class StoredLogMatcher {
  private readonly stored: readonly string[];
  private i = 0;
  private matching: boolean;

  private readonly mask: (line: string) => string;

  /** `mask`: what the worker did to each line before storing it (the secrets masker). */
  constructor(stored: readonly string[], mask: (line: string) => string = (l) => l) {
    this.stored = stored;
    this.mask = mask;
    this.matching = stored.length > 0;
  }

  /** Lines skipped so far. */
  skipped = 0;

  /** True when `line` is already in the stored log (and so must not be written again). */
  seen(raw: string): boolean {
    if (!this.matching) return false;
    const line = this.mask(raw);
    for (let j = this.i; j < this.stored.length; j++) {
      if (this.stored[j] === line) { this.i = j + 1; this.skipped++; return true; }
    }
    this.matching = false;
    return false;
  }
}
