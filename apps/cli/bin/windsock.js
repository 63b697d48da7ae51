#!/usr/bin/env node
// The `windsock` command. Windsock's TypeScript runs directly on Node 24 (type stripping, no build step).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`windsock needs Node.js 24 or newer; this is ${process.version}. Install Node 24 (see .nvmrc) and run again.`);
  process.exit(1);
}
// V8 reads these flags only at start, hence the exec. The webserver and standalone are mostly idle: a small young
// generation keeps their memory down (the webserver about 140 MiB instead of 180 when idle) at no cost to their
// latency. `dags test` and `tasks test` live for seconds: optimising PGlite's WebAssembly with TurboFan cost them
// 400 MiB of peak RSS and 2-3 s of CPU that their few queries never pay back; Liftoff alone compiles it at once.
const [command, sub] = process.argv.slice(2);
const V8_FLAGS = command === 'webserver' || command === 'standalone' ? ['--max-semi-space-size=1']
  : (command === 'dags' || command === 'tasks') && sub === 'test' ? ['--liftoff-only'] : [];
if (V8_FLAGS.length > 0 && !V8_FLAGS.every((f) => process.execArgv.includes(f)) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...V8_FLAGS, ...process.argv.slice(1)], process.env);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
