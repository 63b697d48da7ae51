/**
 * A try's log, read from task_log (chunks per try, in id order), with Airflow's continuation semantics: the
 * answer carries a token holding how far it read (`log_pos`, here the last chunk id) and whether the log is
 * complete (`end_of_log`: the try has finished); asking again with that token returns only what came after.
 * `full_content` ignores the token and returns everything. Tokens are signed so a client cannot forge a
 * position (Airflow signs them with itsdangerous; the format here is ours, and opaque to clients).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.ts';
import type { SecretsMasker } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export interface LogPosition { log_pos: number; end_of_log: boolean }

export class LogTokens {
  private readonly key: string;
  constructor(key: string) { this.key = key; }
  private mac(body: string): string { return createHmac('sha256', this.key).update(body).digest('base64url'); }
  sign(p: LogPosition): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }
  read(token: string): LogPosition {
    const [body, mac] = token.split('.');
    const good = body && mac && mac.length === this.mac(body).length && timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(body)));
    if (!good) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Bad Signature. Please use only the tokens provided by the API.');
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LogPosition;
  }
}

/** `mask`: the serving masker; every line is served with the secrets it knows replaced by `***`. */
export async function readLog(db: WebDb, ti: { id: string; try_number: number; state: string | null }, tryNumber: number, afterId: number, mask: SecretsMasker) {
  const chunks = await db.selectFrom('task_log').select(['id', 'chunk', 'created_at']).where('task_instance_id', '=', ti.id)
    .where('try_number', '=', tryNumber).where('id', '>', String(afterId)).orderBy('id').limit(2000).execute();
  const finished = tryNumber < ti.try_number || !['running', 'queued', 'restarting', 'scheduled', null].includes(ti.state);
  const lines: { event: string; timestamp: string }[] = [];
  for (const c of chunks) {
    const ts = new Date(c.created_at).toISOString();
    for (const line of mask.redactText(c.chunk).replace(/\n$/, '').split('\n')) lines.push({ event: line, timestamp: ts });
  }
  const last = chunks.length ? Number(chunks[chunks.length - 1]!.id) : afterId;
  return { lines, position: { log_pos: last, end_of_log: finished && chunks.length < 2000 } };
}
