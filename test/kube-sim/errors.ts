/**
 * The simulator's two error classes.
 *
 * - `StatusError` is an API error on the wire: it carries the exact `kind: Status` body and HTTP code the
 *   real API server sends (apimachinery pkg/api/errors/errors.go). Handlers throw it; the router serializes it.
 * - `KubeSimError` is for the test-facing API (bad options, a `waitFor` that timed out...), with a stable `code`.
 */
import type { StatusBody, StatusCause } from './types.ts';

export const KUBE_SIM_ERROR_CODES = [
  /** Options given to startKubeSim / the CLI / the instrumentation API are malformed. */
  'INVALID_OPTIONS',
  /** `sim.waitFor` did not see its condition before the timeout. */
  'WAIT_TIMEOUT',
  /** The simulator was closed while something was waiting on it. */
  'CLOSED',
] as const;
export type KubeSimErrorCode = (typeof KUBE_SIM_ERROR_CODES)[number];

export class KubeSimError extends Error {
  override readonly name = 'KubeSimError';
  readonly code: KubeSimErrorCode;
  constructor(code: KubeSimErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly status: StatusBody;
  /** Sent as a Retry-After header (429/503), like the API server's max-in-flight filter. */
  readonly retryAfterSeconds: number | undefined;
  constructor(status: StatusBody, retryAfterSeconds?: number) {
    super(status.message ?? status.reason ?? 'Status error');
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
  get httpCode(): number {
    return this.status.code;
  }
}

/** Identifies a resource in error messages: `pods`, or `sparkapplications.sparkoperator.k8s.io`. */
export interface ResourceRef {
  group: string;
  plural: string;
}

function qualified(r: ResourceRef): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

function failure(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details === undefined ? {} : { details }), code };
}

/** details of NotFound/AlreadyExists/Conflict: `kind` holds the resource plural ("Yes we set Kind field to resource"). */
function resourceDetails(r: ResourceRef, name: string): NonNullable<StatusBody['details']> {
  return r.group === '' ? { name, kind: r.plural } : { name, group: r.group, kind: r.plural };
}

export function notFound(r: ResourceRef, name: string): StatusError {
  return new StatusError(failure(404, 'NotFound', `${qualified(r)} "${name}" not found`, resourceDetails(r, name)));
}

/** The answer for a path the server does not serve at all. */
export function pathNotFound(): StatusError {
  return new StatusError(failure(404, 'NotFound', 'the server could not find the requested resource', {}));
}

export function alreadyExists(r: ResourceRef, name: string): StatusError {
  return new StatusError(failure(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, resourceDetails(r, name)));
}

export function conflict(r: ResourceRef, name: string): StatusError {
  const message = `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; ` +
    'please apply your changes to the latest version and try again';
  return new StatusError(failure(409, 'Conflict', message, resourceDetails(r, name)));
}

/**
 * 422: `message` names the group-qualified Kind (not the resource), as `Pod "x" is invalid: ...` or
 * `SparkApplication.sparkoperator.k8s.io "x" is invalid: ...` (schema.GroupKind.String()).
 */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
  const parts = causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const details: NonNullable<StatusBody['details']> = group === '' ? { name, kind, causes } : { name, group, kind, causes };
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new StatusError(failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details));
}

export function forbidden(r: ResourceRef, name: string, why: string): StatusError {
  const subject = name === '' ? `${qualified(r)} is forbidden` : `${qualified(r)} "${name}" is forbidden`;
  return new StatusError(failure(403, 'Forbidden', `${subject}: ${why}`, resourceDetails(r, name)));
}

export function badRequest(message: string): StatusError {
  return new StatusError(failure(400, 'BadRequest', message));
}

export function unauthorized(): StatusError {
  return new StatusError(failure(401, 'Unauthorized', 'Unauthorized'));
}

export function methodNotAllowed(): StatusError {
  return new StatusError(failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`));
}

/** The 410 sent as an ERROR watch event for a resourceVersion older than the retained window. */
export function expired(requested: number, oldest: number): StatusBody {
  return failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** Injected faults, shaped like the API server's own (max-in-flight 429, generic 500, unavailable 503). */
export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return new StatusError(
    failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
    retryAfterSeconds,
  );
}

export function internalError(message = 'Internal error occurred: injected by kube-sim'): StatusError {
  return new StatusError(failure(500, 'InternalError', message, { causes: [{ reason: '', message, field: '' }] }));
}

export function serviceUnavailable(retryAfterSeconds: number | undefined): StatusError {
  return new StatusError(failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  }), retryAfterSeconds);
}

/** The Success Status a DELETE of a custom resource returns (apiserver registry/store.go finalizeDelete). */
export function deleteSuccess(r: ResourceRef, name: string, uid: string): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...resourceDetails(r, name), uid },
    code: 200,
  };
}
