/**
 * Where tests keep Pyodide interpreter snapshots (libs/pysandbox/src/snapshot.ts): shared by every test run of this
 * user, so a test boots a sandbox in a second or two instead of starting CPython (5-30 s on a loaded 2-core CI).
 * The first run after Pyodide, the sandbox's code or a setup changes builds the new snapshot.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_SNAPSHOT_DIR = join(tmpdir(), `windsock-test-snapshots-${process.getuid?.() ?? 0}`);
