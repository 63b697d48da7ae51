/** The logging surface the queue needs (pino's shape, structurally the same as @windsock/config's Logger). */
export interface QueueLogger {
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}
export const silentQueueLogger: QueueLogger = { warn() {}, error() {} };
