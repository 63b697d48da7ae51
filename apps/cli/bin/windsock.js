#!/usr/bin/env node
// The `windsock` command. Windsock's TypeScript runs directly on Node 24 (type stripping, no build step).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`windsock needs Node.js 24 or newer; this is ${process.version}. Install Node 24 (see .nvmrc) and run again.`);
  process.exit(1);
}
// The webserver and standalone are mostly idle: a small young generation keeps their memory down (the webserver
// about 140 MiB instead of 180 when idle) at no cost to their latency. V8 reads the flag only at start, hence the exec.
const WEBSERVER_V8_FLAGS = ['--max-semi-space-size=1'];
if (['webserver', 'standalone'].includes(process.argv[2]) && !WEBSERVER_V8_FLAGS.every((f) => process.execArgv.includes(f)) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...WEBSERVER_V8_FLAGS, ...process.argv.slice(1)], process.env);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
