/**
 * What a DAG file produced, made safe to store and show. A file controls every string of its
 * import error and of its DAGs: a NUL (which Postgres refuses in text and jsonb), a lone UTF-16
 * surrogate (refused by jsonb, and not valid UTF-8), a message of megabytes. Strings are cleaned
 * here, once, before anything is stored: NUL becomes the visible escape `\x00`, a lone surrogate
 * U+FFFD, and an import error's message and stacktrace are cut to a bounded length saying so.
 */
import type { FileParseResult, ImportErrorRecord } from './declaration.ts';

/** Characters kept of an import error's message and stacktrace. */
export const IMPORT_ERROR_MESSAGE_MAX = 4_000;
export const IMPORT_ERROR_STACKTRACE_MAX = 64_000;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NUL -> `\x00`, lone surrogates -> U+FFFD; then at most `max` characters (when given). */
export function sanitizeText(text: string, max?: number): string {
  let out = text;
  if (out.includes('\0')) out = out.replaceAll('\0', '\\x00');
  out = out.replace(LONE_SURROGATE, '\uFFFD');
  if (max !== undefined && out.length > max) {
    let cut = out.slice(0, max);
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // do not split a pair
    out = `${cut}\n… (truncated: ${out.length - cut.length} more characters)`;
  }
  return out;
}

export function sanitizeImportError(error: ImportErrorRecord): ImportErrorRecord {
  const line = typeof error.line === 'number' && Number.isInteger(error.line) && error.line > 0 && error.line <= 2_147_483_647
    ? error.line : null;
  return {
    ...error,
    filename: sanitizeText(error.filename),
    line,
    message: sanitizeText(String(error.message || 'the file could not be imported'), IMPORT_ERROR_MESSAGE_MAX),
    stacktrace: sanitizeText(String(error.stacktrace ?? ''), IMPORT_ERROR_STACKTRACE_MAX),
    ...(error.code !== undefined ? { code: sanitizeText(String(error.code), 100) } : {}),
  };
}

/** Every string inside a JSON-like value, cleaned (keys too). Values that need nothing are returned as they are. */
export function sanitizeJson<T>(value: T): T {
  if (typeof value === 'string') return sanitizeText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => sanitizeJson(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[sanitizeText(k)] = sanitizeJson(v);
    return out as T;
  }
  return value;
}

export function sanitizeParseResult<R extends FileParseResult>(result: R): R {
  return result.ok
    ? { ...result, dags: result.dags.map((d) => sanitizeJson(d)) }
    : { ...result, error: sanitizeImportError(result.error) };
}
