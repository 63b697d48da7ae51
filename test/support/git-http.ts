/**
 * Git fixture repositories served over HTTP for tests: `git http-backend` (the real smart-HTTP server) behind a
 * node:http CGI bridge, optionally behind Basic auth. Tests build the repositories with the `git` binary; the
 * product never runs it (it speaks HTTP through isomorphic-git).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GitHttpServer { url: string; root: string; requests: number; close(): Promise<void> }

/** Serves the bare repositories under `root` at `<url>/<name>.git`. */
export async function serveGit(root: string, o: { auth?: { username: string; password: string } } = {}): Promise<GitHttpServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (o.auth) {
      const want = `Basic ${Buffer.from(`${o.auth.username}:${o.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('unauthorized');
        return;
      }
    }
    const u = new URL(req.url ?? '/', 'http://localhost');
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin', GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(u.pathname), QUERY_STRING: u.search.slice(1), REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_ADDR: '127.0.0.1', REMOTE_USER: o.auth?.username ?? '',
    };
    if (req.headers['content-length']) env['CONTENT_LENGTH'] = req.headers['content-length'];
    if (req.headers['content-encoding']) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) { res.write(chunk); return; }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => { if (!headersDone) res.writeHead(500).end(head); else res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`, root,
    get requests() { return state.requests; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A bare repository `<root>/<name>.git` and a work tree beside it to commit from (`commit` pushes a branch). */
export function fixtureRepo(root: string, name: string) {
  const bare = join(root, `${name}.git`);
  const work = join(root, `${name}.work`);
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, {
    cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--bare', '-q', '-b', 'main');
  mkdirSync(work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'remote', 'add', 'origin', bare);
  // The default branch exists, as on any hosting service (a remote HEAD naming no branch trips clients).
  writeFileSync(join(work, 'README.md'), `# ${name}\n`);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'initial');
  git(work, 'push', '-q', 'origin', 'main');
  return {
    bare,
    /** Writes `files` (path → content) on `branch` (created from the current one when new), commits and pushes. */
    commit(branch: string, files: Record<string, string>, message = 'change'): string {
      const branches = git(work, 'branch', '--list', branch);
      if (!branches) git(work, 'checkout', '-q', '-b', branch); else git(work, 'checkout', '-q', branch);
      for (const [p, content] of Object.entries(files)) {
        mkdirSync(dirname(join(work, p)), { recursive: true });
        writeFileSync(join(work, p), content, { mode: p.endsWith('.sh') ? 0o755 : 0o644 });
      }
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '--allow-empty', '-m', message);
      git(work, 'push', '-q', '--force', 'origin', branch);
      return git(work, 'rev-parse', 'HEAD');
    },
    /** Rewrites the last commit of `branch` with `files` and force-pushes it (history the synced copy had is gone). */
    forcePush(branch: string, files: Record<string, string>): string {
      git(work, 'checkout', '-q', branch);
      git(work, 'reset', '-q', '--hard', 'HEAD~1');
      return this.commit(branch, files, 'rewritten');
    },
    /** Points the (annotated) tag `name` at `branch`'s head and force-pushes it. */
    tag(name: string, branch: string): string {
      git(work, 'tag', '-f', '-a', '-m', name, name, branch);
      git(work, 'push', '-q', '--force', 'origin', `refs/tags/${name}`);
      return git(work, 'rev-parse', `${branch}^{commit}`);
    },
  };
}
