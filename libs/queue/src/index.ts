export * from './types.ts';
export * from './memory-queue.ts';
export * from './events.ts';
