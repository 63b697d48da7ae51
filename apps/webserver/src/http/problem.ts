/**
 * Error bodies. One shape satisfies both documents: Airflow 2's RFC 7807 `Error` (type, title, status, detail)
 * and Airflow 3's `HTTPExceptionResponse` ({detail}), so a client of either version reads it. Request validation
 * errors follow each version: /api/v2 answers 422 with FastAPI's `HTTPValidationError` ({detail: [{loc, msg,
 * type}]}), as Airflow 3 does; /api/v1 answers 400 with a problem body naming the field, as Airflow 2 does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ApiErrorCode } from '../errors.ts';

const TYPE_NAME: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthenticated', 403: 'PermissionDenied', 404: 'NotFound', 405: 'MethodNotAllowed',
  409: 'AlreadyExists', 429: 'TooManyRequests', 500: 'Unknown', 501: 'NotImplemented', 503: 'ServiceUnavailable',
};

export interface ProblemBody { type: string; title: string; status: number; detail: string; instance?: string }

export function problemBody(status: number, title: string, detail: string, instance?: string): ProblemBody {
  const type = `https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/${TYPE_NAME[status] ?? 'Unknown'}`;
  return instance ? { type, title, status, detail, instance } : { type, title, status, detail };
}

export function sendProblem(reply: FastifyReply, err: ApiError, instance?: string): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type('application/problem+json').send(problemBody(err.status, err.title, err.message, instance));
}

interface AjvError { instancePath?: string; params?: Record<string, unknown>; message?: string; keyword?: string }

/** Where a validation error points: ['body', 'conf'] and friends (FastAPI's `loc`). */
function loc(context: string, e: AjvError): (string | number)[] {
  const path = (e.instancePath ?? '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const extra = e.params?.missingProperty ?? e.params?.additionalProperty;
  return [context, ...path, ...(typeof extra === 'string' ? [extra] : [])];
}

export function validationReply(req: FastifyRequest, reply: FastifyReply, context: string, errors: AjvError[]): FastifyReply {
  const items = errors.map((e) => ({
    loc: loc(context, e),
    msg: e.keyword === 'additionalProperties' ? 'Extra inputs are not permitted' : e.message ?? 'invalid',
    type: e.keyword ?? 'value_error',
  }));
  if (req.url.startsWith('/api/v2') || req.url.startsWith('/auth')) return reply.code(422).send({ detail: items });
  const first = items[0]!;
  const field = first.loc.slice(1).join('.') || first.loc[0];
  return reply.code(400).type('application/problem+json').send(problemBody(400, 'Bad Request', `${field}: ${first.msg}`));
}

export function apiError(code: ApiErrorCode, title: string, detail?: string): ApiError { return new ApiError(code, title, detail); }
