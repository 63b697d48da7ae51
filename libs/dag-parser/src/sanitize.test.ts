import { describe, expect, it } from 'vitest';
import { IMPORT_ERROR_MESSAGE_MAX, sanitizeImportError, sanitizeJson, sanitizeText } from './sanitize.ts';

describe('sanitize', () => {
  it('makes NUL visible and replaces lone surrogates, keeping pairs', () => {
    expect(sanitizeText('a\0b')).toBe('a\\x00b');
    expect(sanitizeText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(sanitizeText('ok \uD83D\uDE00')).toBe('ok \uD83D\uDE00');
  });

  it('cuts a huge message and says how much was cut', () => {
    const e = sanitizeImportError({ filename: 'f.py', line: 3, message: 'x'.repeat(10_000_000), stacktrace: 'y'.repeat(10_000_000) });
    expect(e.message.length).toBeLessThan(IMPORT_ERROR_MESSAGE_MAX + 80);
    expect(e.message).toMatch(/truncated: 9996000 more characters\)$/);
    expect(e.stacktrace.length).toBeLessThan(70_000);
    expect(e.line).toBe(3);
    expect(sanitizeImportError({ filename: 'f.py', line: 1e12, message: '', stacktrace: '' })).toMatchObject({ line: null, message: 'the file could not be imported' });
  });

  it('cleans every string of a DAG, keys included', () => {
    expect(sanitizeJson({ doc_md: 'a\0', tags: ['\uDFFF'], 'k\0': 1, n: null })).toEqual({ doc_md: 'a\\x00', tags: ['\uFFFD'], 'k\\x00': 1, n: null });
  });
});
