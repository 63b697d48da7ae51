/**
 * What a remote command tells the user when it fails, and the exit code it fails with. The codes (documented in
 * the README's CLI section): 0 ok, 1 error, 2 usage or configuration, 3 not found, 4 authentication (401/403).
 * Messages say what to do next; the server's RFC 7807 problem `detail` is shown where it is the answer (403 names
 * the missing permission, 404 what is missing).
 */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, NOT_FOUND: 3, AUTH: 4 } as const;

/** An error main.ts prints as `windsock: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.ERROR) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.USAGE);

/** The `detail` of a problem body (or FastAPI's validation list), else its title, else the text as sent. */
export function problemDetail(body: unknown, text = ''): string {
  if (body && typeof body === 'object') {
    const b = body as { detail?: unknown; title?: unknown };
    if (typeof b.detail === 'string' && b.detail) return b.detail;
    if (Array.isArray(b.detail)) {
      return b.detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg ?? 'invalid'}`).join('; ');
    }
    if (typeof b.title === 'string' && b.title) return b.title;
  }
  return text.trim().slice(0, 300);
}

/** An HTTP error answer → the error the CLI reports. `what` names the request (`GET https://…/api/v2/dags`). */
export function httpError(status: number, body: unknown, text: string, what: string): CliError {
  const detail = problemDetail(body, text);
  if (status === 401) return new CliError(`not logged in or the token expired: run windsock login${detail ? ` (${detail})` : ''}`, EXIT.AUTH);
  if (status === 403) return new CliError(`permission denied: ${detail || 'the server refused this request'}`, EXIT.AUTH);
  if (status === 404) return new CliError(detail || `not found: ${what}`, EXIT.NOT_FOUND);
  if (status === 409) return new CliError(detail || `conflict: ${what}`, EXIT.ERROR);
  if (status === 400 || status === 422) return new CliError(`the server refused the request: ${detail}`, EXIT.ERROR);
  return new CliError(`${what} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, EXIT.ERROR);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** A fetch that threw (no HTTP answer) → the error the CLI reports. `base` is the API URL the user gave. */
export function connectionError(err: unknown, base: string): CliError {
  const e = err as Error & { cause?: { code?: string; message?: string }; code?: string };
  const code = e.cause?.code ?? e.code;
  if (e.name === 'TimeoutError') return new CliError(`Windsock at ${base} did not answer in time: is it overloaded or behind a proxy that drops requests?`, EXIT.ERROR);
  if (code && UNREACHABLE.has(code)) return new CliError(`cannot reach Windsock at ${base}: is it running? (set --api-url or WINDSOCK_API_URL) [${code}]`, EXIT.ERROR);
  return new CliError(`cannot reach Windsock at ${base}: ${e.cause?.message ?? e.message} (set --api-url or WINDSOCK_API_URL)`, EXIT.ERROR);
}
