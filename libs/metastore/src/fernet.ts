/**
 * Fernet (the scheme Airflow encrypts connection secrets and variables with), so that keys and encrypted values
 * carry over from an Airflow deployment: a 32-byte url-safe base64 key = 16-byte signing key + 16-byte AES-128
 * key; token = 0x80 | timestamp(8) | iv(16) | AES-128-CBC ciphertext | HMAC-SHA256(32), url-safe base64.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MetastoreError } from './errors.ts';

function keyParts(key: string): { sign: Buffer; enc: Buffer } {
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 32) throw new MetastoreError('BAD_CONFIG', 'the fernet key must be 32 url-safe base64-encoded bytes');
  return { sign: raw.subarray(0, 16), enc: raw.subarray(16) };
}

export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url') + '=';
}

export function fernetEncrypt(key: string, plaintext: string, now = Date.now()): string {
  const { sign, enc } = keyParts(key);
  const iv = randomBytes(16);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(Math.floor(now / 1000)));
  const cipher = createCipheriv('aes-128-cbc', enc, iv);
  const body = Buffer.concat([Buffer.from([0x80]), ts, iv, cipher.update(plaintext, 'utf8'), cipher.final()]);
  const mac = createHmac('sha256', sign).update(body).digest();
  return Buffer.concat([body, mac]).toString('base64url');
}

export function fernetDecrypt(key: string, token: string): string {
  const { sign, enc } = keyParts(key);
  const data = Buffer.from(token, 'base64url');
  if (data.length < 1 + 8 + 16 + 16 + 32 || data[0] !== 0x80) throw new MetastoreError('DECRYPT_FAILED', 'not a fernet token');
  const body = data.subarray(0, data.length - 32);
  const mac = data.subarray(data.length - 32);
  if (!timingSafeEqual(mac, createHmac('sha256', sign).update(body).digest())) {
    throw new MetastoreError('DECRYPT_FAILED', 'the secret was encrypted with another fernet key');
  }
  const decipher = createDecipheriv('aes-128-cbc', enc, body.subarray(9, 25));
  return Buffer.concat([decipher.update(body.subarray(25)), decipher.final()]).toString('utf8');
}
