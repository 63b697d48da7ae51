export { BullMqTaskQueue } from './task-queue.ts';
export { compileBullMqOptions, bullPriority, bullQueueName, postgresSchemaFor, BULLMQ_MAX_PRIORITY, type BullMqQueueOptions, type BullMqBackend } from './options.ts';
