/**
 * Structured logs (pino) on stderr, so command output stays clean: JSON lines for machines (a Deployment's log
 * collector), readable lines for a person at a terminal. `[logging] format`: `auto` picks by whether stderr is a
 * terminal.
 */
import { createRequire } from 'node:module';
import pino from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Logger } from '@windsock/config';

// pino-pretty only for a person at a terminal: a Deployment's JSON logger never loads it.
const requireLazily = createRequire(import.meta.url);

export function createLogger(level: string, name: string, format: string = 'auto'): Logger {
  const human = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  const destination = human
    ? (requireLazily('pino-pretty') as typeof PinoPretty)({ destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true, sync: true })
    : pino.destination(2);
  return pino({ name, level, base: { pid: process.pid } }, destination);
}
