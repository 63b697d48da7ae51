export * from './types.ts';
export * from './memory-queue.ts';
export * from './events.ts';
export * from './bullmq/index.ts';
export * from './redis/index.ts';
