/** Scheduler errors: a closed set with stable codes (the API maps them to problem documents). */
export type SchedulerErrorCode = 'DAG_NOT_FOUND' | 'RUN_EXISTS' | 'RUN_NOT_FOUND' | 'BAD_REQUEST';

export class SchedulerError extends Error {
  readonly code: SchedulerErrorCode;
  constructor(code: SchedulerErrorCode, message: string) {
    super(message);
    this.name = 'SchedulerError';
    this.code = code;
  }
}
