export { RedisEventBus, type RedisEventBusOptions } from './event-bus.ts';
export { redisOptionsFromUrl, redactRedisUrl } from './connection.ts';
