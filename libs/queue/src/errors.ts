/** Queue errors: a closed set with stable codes. */
export type QueueErrorCode = 'BAD_OPTIONS' | 'UNAVAILABLE';

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueError';
    this.code = code;
  }
}
