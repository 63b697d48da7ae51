/**
 * The V8 flags a command runs with. V8 reads them only at start, so `bin/windsock.js` re-executes itself with them,
 * and whoever spawns a Windsock process (the sandboxes control plane) passes the same flags itself, which keeps
 * its IPC channel (a re-exec would drop it). Plain JavaScript-compatible TypeScript: the bin loads it before
 * anything else.
 *
 * - The webserver and standalone are mostly idle: a small young generation keeps their memory down (the webserver
 *   about 140 MiB instead of 180 when idle) at no cost to their latency.
 * - A sandbox scheduler is one user's, idle most of its life, and there are many: besides the small young
 *   generation it runs without the optimising compilers (TurboFan, Maglev), sized for memory, and with `gc`
 *   exposed so that it compacts its heap once it has started (the garbage of migrating, parsing and the first
 *   passes). Idle, about 96 MiB RSS / 61 MiB PSS instead of 106 / 67 (bench/sandboxes.ts); its passes run on
 *   bytecode and baseline code, which one user's DAGs never notice.
 * - `dags test` and `tasks test` live for seconds: optimising PGlite's WebAssembly with TurboFan cost them 400 MiB
 *   of peak RSS and 2-3 s of CPU that their few queries never pay back; Liftoff alone compiles it at once.
 * - WINDSOCK_LOW_MEMORY=1 runs standalone that way too (Liftoff only, V8 sized for memory): idle RSS about 250 MiB
 *   instead of 325, for a scheduler about a third slower through its passes (S1 through the scheduler, PGlite).
 */
export const SANDBOX_SCHEDULER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size', '--no-opt', '--no-maglev', '--expose-gc'];

export function v8FlagsFor(command: string | undefined, sub: string | undefined, env: Record<string, string | undefined>): readonly string[] {
  if (command === 'sandbox-scheduler') return SANDBOX_SCHEDULER_V8_FLAGS;
  if (command === 'webserver') return ['--max-semi-space-size=1'];
  if (command === 'standalone') return ['--max-semi-space-size=1', ...(env['WINDSOCK_LOW_MEMORY'] === '1' ? ['--liftoff-only', '--optimize-for-size'] : [])];
  if ((command === 'dags' || command === 'tasks') && sub === 'test') return ['--liftoff-only'];
  return [];
}
