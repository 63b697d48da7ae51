import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';
import { EXIT } from './errors.ts';

describe('parseDuration', () => {
  it('reads seconds and s/m/h/d/w units, alone or combined', () => {
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('8h')).toBe(28_800);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('2d')).toBe(172_800);
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('1w')).toBe(604_800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration(' 2H ')).toBe(7200);
  });

  it('refuses anything else as a usage error naming the flag', () => {
    for (const bad of ['', '0', '0h', '8x', 'h', '1.5h', '-3', '8 h', '3600s5']) {
      let err: (Error & { exitCode?: number }) | undefined;
      try { parseDuration(bad, '--ttl'); } catch (e) { err = e as Error & { exitCode?: number }; }
      expect(err, bad).toBeDefined();
      expect(err!.exitCode).toBe(EXIT.USAGE);
      expect(err!.message).toContain('--ttl');
    }
  });

  it('formats back for people', () => {
    expect(formatDuration(28_800)).toBe('8h');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(90_061)).toBe('1d1h1m1s');
    expect(formatDuration(0)).toBe('0s');
  });
});
