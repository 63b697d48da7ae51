/** Metastore errors: a closed set with stable codes. */
export type MetastoreErrorCode = 'CONNECT_FAILED' | 'MIGRATION_FAILED' | 'BAD_CONFIG' | 'DECRYPT_FAILED';

export class MetastoreError extends Error {
  readonly code: MetastoreErrorCode;
  constructor(code: MetastoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetastoreError';
    this.code = code;
  }
}
