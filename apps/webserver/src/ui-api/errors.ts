/**
 * The UI data endpoints' only error: a thing the caller named does not exist. Sent as an RFC 7807 problem
 * body like the REST API's, so the UI handles both the same way.
 */
import type { FastifyReply } from 'fastify';

export type UiApiErrorCode = 'DAG_NOT_FOUND' | 'RUN_NOT_FOUND' | 'TI_NOT_FOUND';

export class UiApiError extends Error {
  readonly code: UiApiErrorCode;
  constructor(code: UiApiErrorCode, message: string) {
    super(message);
    this.name = 'UiApiError';
    this.code = code;
  }
}

export function sendProblem(reply: FastifyReply, err: UiApiError): FastifyReply {
  return reply.code(404).type('application/problem+json').send({
    type: 'https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/NotFound',
    title: 'Not Found', status: 404, detail: err.message,
  });
}
