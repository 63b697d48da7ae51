/**
 * Hostile input stops at the edge, as a client error, before any handler or SQL sees it:
 * - a NUL or a lone UTF-16 surrogate in any string of the body (values and keys), the path or the query is a
 *   validation error (/api/v2 and /auth: 422 FastAPI-style; /api/v1 and /ui: 400 problem) — Postgres cannot store
 *   NUL in text, and a lone surrogate would silently become U+FFFD;
 * - JSON nested deeper than `MAX_JSON_DEPTH` is refused with 400 while it is still text (no parser recursion);
 * - security headers on every response: the UI may not be framed (X-Frame-Options, CSP frame-ancestors) and loads
 *   scripts, styles and connections only from its own origin.
 * (Integers beyond the int4 range are bounded by the validator, http/validator.ts.)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validationReply } from './problem.ts';

export const MAX_JSON_DEPTH = 64;

/** The UI's policy: its own scripts only; inline style attributes (Preact sets widths and colours); the WebSocket. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self' ws: wss:", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** Whether a string holds a NUL or a lone surrogate. */
export function badString(s: string): boolean {
  return s.includes('\u0000') || !s.isWellFormed();
}

/** The path (FastAPI `loc` tail) of the first bad string in `value`, or null. Keys count as strings. */
export function findBadString(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | null {
  if (typeof value === 'string') return badString(value) ? path : null;
  if (depth > MAX_JSON_DEPTH + 8 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) { const p = findBadString(value[i], [...path, i], depth + 1); if (p) return p; }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (badString(k)) return [...path, k];
    const p = findBadString(v, [...path, k], depth + 1);
    if (p) return p;
  }
  return null;
}

/** Whether JSON text nests objects/arrays deeper than `max` (a scan of the text, strings skipped). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) { if (++depth > max) return true; } // [ {
    else if (c === 93 || c === 125) depth--; // ] }
  }
  return false;
}

function refuse(req: FastifyRequest, reply: FastifyReply, context: string, path: (string | number)[]): FastifyReply {
  const instancePath = path.map((p) => `/${p}`).join('');
  return validationReply(req, reply, context, [{ instancePath, keyword: 'string_type', message: 'Input must not contain NUL characters or unpaired surrogates' }]);
}

/** Installs the checks on `app` (before its routes, so that they inherit them). */
export function registerHostileInputChecks(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (jsonTooDeep(text)) {
      done(Object.assign(new Error(`Request body JSON is nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
      return;
    }
    defaultJson(req, text, done);
  });
  app.addHook('preValidation', async (req, reply) => {
    for (const [context, part] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
      const bad = findBadString(part);
      if (bad) return refuse(req, reply, context, bad);
    }
    return undefined;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });
}
