/**
 * The in-process queue and event bus, without BullMQ and ioredis (about 1 s of module loading on a busy 2-core
 * machine): what an embedded Windsock (`standalone`, `dags test`, `tasks test`) needs. `@windsock/queue` has it all.
 */
export * from './types.ts';
export * from './memory-queue.ts';
export * from './events.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
