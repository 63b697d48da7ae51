/**
 * API tokens as Airflow 3 issues them from `POST /auth/token`: a JWT (HS512 here) with `sub` = the user id,
 * `iat`/`nbf`/`exp`, `jti`, audience `apache-airflow`, plus the username and role for display. The role is
 * re-read from the database on every request, so a demoted user loses rights before the token expires.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ApiError } from '../errors.ts';

export const AUDIENCE = 'apache-airflow';
const ISSUER = 'windsock';

export class TokenSigner {
  private readonly key: Uint8Array;
  readonly expiresInSec: number;
  constructor(secret: string, expiresInSec: number) {
    this.key = new TextEncoder().encode(secret);
    this.expiresInSec = expiresInSec;
  }

  /** `sandbox`: a token for that sandbox only (refused by the shared instance and by every other sandbox). */
  async sign(user: { id: number; username: string; role: string }, now = Date.now(), sandbox: string | null = null): Promise<string> {
    const iat = Math.floor(now / 1000);
    return new SignJWT({ username: user.username, role: user.role, ...(sandbox ? { sandbox } : {}) })
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .setSubject(String(user.id)).setIssuedAt(iat).setNotBefore(iat).setExpirationTime(iat + this.expiresInSec)
      .setAudience(AUDIENCE).setIssuer(ISSUER).setJti(randomUUID())
      .sign(this.key);
  }

  /** The user id (and sandbox, when scoped) of a valid token; UNAUTHENTICATED for an expired, forged or malformed one. */
  async verify(token: string): Promise<{ id: number; sandbox: string | null }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { audience: AUDIENCE, issuer: ISSUER, algorithms: ['HS512'] });
      const id = Number(payload.sub);
      if (!Number.isInteger(id)) throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'Invalid JWT token');
      return { id, sandbox: typeof payload['sandbox'] === 'string' ? payload['sandbox'] : null };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const expired = err instanceof joseErrors.JWTExpired;
      throw new ApiError('UNAUTHENTICATED', 'Unauthorized', expired ? 'Token has expired' : 'Invalid JWT token', { 'WWW-Authenticate': 'Bearer' });
    }
  }
}
