/** Structured logs (pino): JSON lines by default, one line per event, to stderr so command output stays clean. */
import pino from 'pino';
import type { Logger } from '@windsock/config';

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}
