export * from './types.ts';
export * from './memory-queue.ts';
export * from './events.ts';
export * from './bullmq/index.ts';
export * from './redis/index.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
export type { QueueLogger } from './logger.ts';
