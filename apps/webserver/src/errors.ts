/**
 * The webserver's one error class: an HTTP status plus a stable `code`. Routes throw it; the error handler turns
 * it into a problem body (see http/problem.ts). Nothing is classified by message text.
 */
export type ApiErrorCode =
  | 'BAD_REQUEST' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'CONFLICT'
  | 'TOO_MANY_ATTEMPTS' | 'NOT_IMPLEMENTED' | 'UNAVAILABLE' | 'UNKNOWN';

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404, ALREADY_EXISTS: 409, CONFLICT: 409,
  TOO_MANY_ATTEMPTS: 429, NOT_IMPLEMENTED: 501, UNAVAILABLE: 503, UNKNOWN: 500,
};

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string>;
  constructor(code: ApiErrorCode, title: string, detail?: string, headers: Record<string, string> = {}) {
    super(detail ?? title);
    this.name = 'ApiError';
    this.code = code;
    this.status = STATUS[code];
    this.title = title;
    this.headers = headers;
  }
}

export const notFound = (what: string, detail: string) => new ApiError('NOT_FOUND', `${what} not found`, detail);
