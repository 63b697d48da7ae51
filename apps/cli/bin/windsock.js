#!/usr/bin/env node
// The `windsock` command. Windsock's TypeScript runs directly on Node 24 (type stripping, no build step).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  // `npm install` puts Node 24 in node_modules/.bin (the `node` dev dependency), which `npx windsock` and the npm
  // scripts put first on PATH; running this file with an older node directly is the one way to get here.
  console.error(`windsock needs Node.js 24 or newer; this is ${process.version}. Run it as \`npx windsock\` from the repository `
    + '(npm install brings Node 24 into node_modules/.bin), or install Node 24 (see .nvmrc).');
  process.exit(1);
}
// V8 reads these flags only at start, hence the exec. The webserver and standalone are mostly idle: a small young
// generation keeps their memory down (the webserver about 140 MiB instead of 180 when idle) at no cost to their
// latency. `dags test` and `tasks test` live for seconds: optimising PGlite's WebAssembly with TurboFan cost them
// 400 MiB of peak RSS and 2-3 s of CPU that their few queries never pay back; Liftoff alone compiles it at once.
// WINDSOCK_LOW_MEMORY=1 runs standalone that way too (Liftoff only, V8 sized for memory): idle RSS about 250 MiB
// instead of 325, for a scheduler about a third slower through its passes (S1 through the scheduler, PGlite).
const [command, sub] = process.argv.slice(2);
const lowMemory = command === 'standalone' && process.env.WINDSOCK_LOW_MEMORY === '1';
const V8_FLAGS = command === 'webserver' || command === 'standalone' || command === 'sandbox-scheduler'
  ? ['--max-semi-space-size=1', ...(lowMemory ? ['--liftoff-only', '--optimize-for-size'] : [])]
  : (command === 'dags' || command === 'tasks') && sub === 'test' ? ['--liftoff-only'] : [];
if (V8_FLAGS.length > 0 && !V8_FLAGS.every((f) => process.execArgv.includes(f)) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...V8_FLAGS, ...process.argv.slice(1)], process.env);
}
// Node strips the types of every .ts module as it loads it, and compiles every module: the compile cache (in the
// OS's temporary folder; NODE_COMPILE_CACHE picks another, NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps both
// for the next start, which cuts a command's start from about 1 s of CPU to a tenth of that.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
