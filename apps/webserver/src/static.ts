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

/**
 * What a browser gets at a UI path when the UI's files are not built: a page saying how to build them (the API
 * still answers), not a bare 404.
 */
export async function sendUiMissing(reply: FastifyReply, dir: string): Promise<void> {
  const esc = (t: string) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  await reply.code(503).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Windsock: the web UI is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42em; margin: 3em auto; line-height: 1.5">
<h1>The web UI is not built</h1>
<p>Windsock is running, but its web UI's files are missing from <code>${esc(dir)}</code>.</p>
<p>Build them in the repository with <code>npm run build:ui</code> (<code>npm install</code> and <code>npm start</code> do it), then reload this page.</p>
<p>The REST API answers meanwhile: <a href="/api/v2/monitor/health">/api/v2</a>, <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
`);
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
