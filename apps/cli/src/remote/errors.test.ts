import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectionError, EXIT, httpError, problemDetail } from './errors.ts';

const problem = (status: number, detail: string) => ({ type: 'https://…/Errors/X', title: 'T', status, detail });

describe('API errors become messages that say what to do, and exit codes', () => {
  it('401: log in again, exit 4', () => {
    const e = httpError(401, problem(401, 'Token has expired'), '', 'GET /api/v2/dags');
    expect(e.exitCode).toBe(EXIT.AUTH);
    expect(e.message).toBe('not logged in or the token expired: run windsock login (Token has expired)');
  });

  it('403: the server\'s detail (the missing permission), exit 4', () => {
    const e = httpError(403, problem(403, 'Role Viewer may not create dag_run'), '', 'POST /x');
    expect([e.exitCode, e.message]).toEqual([4, 'permission denied: Role Viewer may not create dag_run']);
  });

  it('404: the detail, exit 3; 409 and others: exit 1', () => {
    expect(httpError(404, problem(404, 'Sandbox bob-dev not found'), '', 'GET /x')).toMatchObject({ exitCode: 3, message: 'Sandbox bob-dev not found' });
    expect(httpError(404, undefined, '', 'GET http://h/x')).toMatchObject({ exitCode: 3, message: 'not found: GET http://h/x' });
    expect(httpError(409, problem(409, 'Sandbox alice-dev already exists'), '', 'POST /x')).toMatchObject({ exitCode: 1, message: 'Sandbox alice-dev already exists' });
    expect(httpError(500, 'oops', 'oops', 'GET http://h/x')).toMatchObject({ exitCode: 1, message: 'GET http://h/x answered HTTP 500: oops' });
  });

  it('reads FastAPI validation lists (422) as field: message', () => {
    expect(problemDetail({ detail: [{ loc: ['body', 'conf'], msg: 'Input should be a valid dictionary' }] })).toBe('body.conf: Input should be a valid dictionary');
    expect(httpError(422, { detail: [{ loc: ['body', 'x'], msg: 'bad' }] }, '', 'POST /x')).toMatchObject({ exitCode: 1, message: 'the server refused the request: body.x: bad' });
  });

  it('connection refused: is it running? set --api-url', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const e = connectionError(refused, 'http://127.0.0.1:9');
    expect(e.exitCode).toBe(EXIT.ERROR);
    expect(e.message).toMatch(/^cannot reach Windsock at http:\/\/127\.0\.0\.1:9: is it running\? \(set --api-url or WINDSOCK_API_URL\)/);
  });

  it('a real refused connection is recognised', async () => {
    // A port that was just free: nothing listens on it.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const err = await fetch(`http://127.0.0.1:${port}/`).then(() => null, (e: unknown) => e);
    expect(err).not.toBeNull();
    expect(connectionError(err, `http://127.0.0.1:${port}`).message).toBe(`cannot reach Windsock at http://127.0.0.1:${port}: is it running? (set --api-url or WINDSOCK_API_URL) [ECONNREFUSED]`);
  });
});
