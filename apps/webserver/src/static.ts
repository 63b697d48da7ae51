/**
 * Serves the UI's built files (apps/webserver/ui/dist) when they exist: a file when the path names one, else
 * index.html for any non-API GET (the single-page app routes on the client). Paths are confined to the folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

export async function uiAvailable(dir: string): Promise<boolean> {
  return stat(join(dir, 'index.html')).then((s) => s.isFile(), () => false);
}

export function isApiPath(url: string): boolean {
  return /^\/(api|auth|ws|openapi\.json)(\/|$|\?)/.test(url);
}

/** Answers GET requests outside the API from `dir`; returns false when the request is not its business. */
export async function serveUi(app: FastifyInstance, dir: string, url: string, reply: FastifyReply): Promise<boolean> {
  if (isApiPath(url)) return false;
  const root = resolve(dir);
  let path = '/';
  try { path = decodeURIComponent(url.split('?')[0]!); } catch { /* a malformed escape: the app's index, as any unknown route */ }
  const file = normalize(join(root, path));
  let target = join(root, 'index.html');
  if (file.startsWith(root + sep)) {
    const s = await stat(file).catch(() => null);
    if (s?.isFile()) target = file;
  }
  const type = TYPES[extname(target)] ?? 'application/octet-stream';
  const cache = target.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  void app;
  await reply.header('cache-control', cache).type(type).send(createReadStream(target));
  return true;
}
