/**
 * The event bus across processes: Redis pub/sub on one channel per Windsock instance (`<prefix>:events`).
 * Listeners in the emitting process get the event at once and synchronously, as with LocalEventBus; other
 * processes get it through Redis. Emits of one tick are published as one message, so a busy worker costs one
 * PUBLISH per tick rather than one per event. Events are hints (Postgres holds the truth): while Redis is away
 * they are dropped, and the scheduler's periodic pass and the worker heartbeat cover for them.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { MomentBatcher } from '@windsock/dag-model';
import type { EventBus, EventName, WindsockEvents } from '../events.ts';
import { silentQueueLogger, type QueueLogger } from '../logger.ts';
import { QueueError } from '../errors.ts';
import { redisOptionsFromUrl } from './connection.ts';

export interface RedisEventBusOptions {
  redisUrl: string;
  /** The instance's key prefix; the channel is `<prefix>:events`. */
  prefix: string;
  logger?: QueueLogger;
}

type Batch = { o: string; e: Array<[EventName, unknown]> };

export class RedisEventBus implements EventBus {
  private readonly emitter = new EventEmitter();
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly origin = randomUUID();
  private readonly log: QueueLogger;
  /** Events emitted in the same turn travel in one publish. */
  private readonly outbox = new MomentBatcher<[EventName, unknown], void>(async (events) => {
    const batch: Batch = { o: this.origin, e: events };
    await this.pub.publish(this.channel, JSON.stringify(batch)).catch((err: unknown) => this.warn(err));
    return () => undefined;
  }, setImmediate);
  private closed = false;
  private lastWarn = 0;

  constructor(opts: RedisEventBusOptions) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.prefix)) throw new QueueError('BAD_OPTIONS', `queue prefix "${opts.prefix}" must be 1-64 letters, digits, _ . -`);
    this.emitter.setMaxListeners(0);
    this.channel = `${opts.prefix}:events`;
    this.log = opts.logger ?? silentQueueLogger;
    const base = redisOptionsFromUrl(opts.redisUrl);
    // Publishes fail fast while Redis is away (the event is a hint); the subscriber reconnects and resubscribes.
    this.pub = new Redis({ ...base, lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'windsock-events-pub' });
    this.sub = new Redis({ ...base, lazyConnect: false, maxRetriesPerRequest: null, connectionName: 'windsock-events-sub' });
    for (const c of [this.pub, this.sub]) c.on('error', (err: Error) => this.warn(err));
    this.sub.on('message', (channel: string, text: string) => this.receive(channel, text));
    void this.sub.subscribe(this.channel).catch((err: unknown) => this.warn(err));
  }

  /** Resolves once the subscription is live (events published after this reach us). */
  async ready(): Promise<void> {
    if (this.sub.status !== 'ready') await new Promise<void>((resolve) => this.sub.once('ready', () => resolve()));
    await this.sub.subscribe(this.channel);
  }

  emit<K extends EventName>(name: K, payload: WindsockEvents[K]): void {
    this.emitter.emit(name, payload);
    if (this.closed) return;
    void this.outbox.add([name, payload]);
  }

  on<K extends EventName>(name: K, listener: (payload: WindsockEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => { this.emitter.off(name, listener); };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const sent = this.outbox.flush();
    this.closed = true;
    await sent;
    this.emitter.removeAllListeners();
    await Promise.all([this.pub, this.sub].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel) return;
    let batch: Batch;
    try { batch = JSON.parse(text) as Batch; } catch { return; }
    if (batch.o === this.origin || !Array.isArray(batch.e)) return;
    for (const [name, payload] of batch.e) {
      try { this.emitter.emit(name, payload); } catch (err) { this.log.error({ err, event: name }, 'event listener failed'); }
    }
  }

  private warn(err: unknown): void {
    // One line per 10 s while Redis is away, not one per retry.
    if (this.closed || Date.now() - this.lastWarn < 10_000) return;
    this.lastWarn = Date.now();
    this.log.warn({ err }, 'event bus: Redis unavailable; events are dropped until it is back (the scheduler still ticks)');
  }
}
