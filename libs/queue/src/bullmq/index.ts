export { BullMqTaskQueue } from './task-queue.ts';
export { compileBullMqOptions, bullPriority, bullQueueName, postgresSchemaFor, BULLMQ_MAX_PRIORITY, type BullMqQueueOptions, type BullMqBackend } from './options.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
export type { QueueLogger } from './logger.ts';
