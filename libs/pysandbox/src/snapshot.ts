/**
 * Interpreter snapshots: Pyodide's linear memory after boot and a trusted `snapshotSetup` (imports only), saved
 * once into a cache folder, so a sandbox boots by copying it into a new interpreter (`loadPyodide({ _loadSnapshot })`)
 * instead of initialising CPython and importing the same modules again.
 *
 * The snapshot is built by a child of its own (child.ts in build mode: same empty environment and permission model,
 * plus write access to the cache folder only, and it runs no caller code but `snapshotSetup`), written to a temporary
 * file and renamed into place. Its name is a hash of everything its content depends on: Pyodide's version, this
 * library's child code, `snapshotSetup`, the Python environment and the content of the copied folders; a stale
 * snapshot is never opened, and the older ones of the same options are removed. A sidecar file records its size and
 * SHA-256, which the child checks before loading it; a snapshot that fails to load is deleted and the sandbox boots
 * without it (the next start builds it again).
 *
 * What a snapshot cannot hold is redone at every boot: the in-memory folders (the copies) and the read-only mounts
 * (JavaScript objects), the setup (the audit hooks it installs would refuse Pyodide's own bootstrap imports), the
 * interrupt buffer, and the closing of the JavaScript doors (lockdown.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SnapshotFile {
  path: string;
  sha256: string;
  size: number;
}

export interface SnapshotSpec {
  dir: string;
  setup: string;
  pythonEnv: Record<string, string>;
  copies: { hostPath: string; target: string }[];
  indexURL: string;
}

const SOURCES = ['child.ts', 'lockdown.ts', 'snapshot.ts'].map((f) => fileURLToPath(new URL(`./${f}`, import.meta.url)));
const PREFIX = 'pyodide-snapshot-';

function hashFolder(hash: ReturnType<typeof createHash>, root: string): void {
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(join(dir, entry.name), `${rel}${entry.name}/`);
      } else if (entry.name.endsWith('.py')) {
        hash.update(`\0${rel}${entry.name}\0`).update(readFileSync(join(dir, entry.name)));
      }
    }
  };
  walk(root, '');
}

/** The snapshot's name for these options: changes whenever anything its content depends on changes. */
export function snapshotKey(spec: SnapshotSpec): string {
  const hash = createHash('sha256');
  const pkg = JSON.parse(readFileSync(`${spec.indexURL}package.json`, 'utf8')) as { version?: string };
  hash.update(`pyodide ${pkg.version ?? '?'}\0${process.version}\0`);
  for (const f of SOURCES) hash.update(readFileSync(f));
  hash.update(`\0setup\0${spec.setup}\0env\0${JSON.stringify(Object.entries(spec.pythonEnv).sort())}`);
  for (const c of spec.copies) {
    hash.update(`\0copy\0${c.target}\0`);
    hashFolder(hash, c.hostPath);
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The family of a snapshot: who uses it (the folders it copies in). A new snapshot replaces the older ones of its
 * family, e.g. after the shim or Pyodide changed.
 */
function family(spec: SnapshotSpec): string {
  return createHash('sha256').update(JSON.stringify(spec.copies.map((c) => c.target))).digest('hex').slice(0, 8);
}

export function snapshotPaths(spec: SnapshotSpec): { bin: string; meta: string; family: string } {
  const fam = family(spec);
  const bin = join(spec.dir, `${PREFIX}${fam}-${snapshotKey(spec)}.bin`);
  return { bin, meta: `${bin}.json`, family: fam };
}

/** The snapshot when it is there and its sidecar reads well; null when it must be built. */
export function findSnapshot(spec: SnapshotSpec): SnapshotFile | null {
  const { bin, meta } = snapshotPaths(spec);
  try {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { sha256?: unknown; size?: unknown };
    if (typeof m.sha256 !== 'string' || typeof m.size !== 'number') return null;
    return { path: bin, sha256: m.sha256, size: m.size };
  } catch {
    return null;
  }
}

/** Removes a snapshot (it failed to load) and the older snapshots of the same family. */
export function removeSnapshot(spec: SnapshotSpec, opts: { current: boolean; older: boolean }): void {
  const { bin, family: fam } = snapshotPaths(spec);
  let names: string[];
  try {
    names = readdirSync(spec.dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${PREFIX}${fam}-`)) continue;
    const path = join(spec.dir, name);
    const isCurrent = path === bin || path === `${bin}.json`;
    if ((isCurrent && opts.current) || (!isCurrent && opts.older && !name.includes('.tmp-'))) rmSync(path, { force: true });
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
