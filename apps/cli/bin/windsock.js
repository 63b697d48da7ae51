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
// The webserver is mostly idle between requests: a small young generation keeps its memory down (about 140 MiB
// instead of 180 when idle) at no cost to its latency. V8 reads the flag only at start, hence the exec.
const WEBSERVER_V8_FLAGS = ['--max-semi-space-size=1'];
if (process.argv[2] === 'webserver' && !WEBSERVER_V8_FLAGS.every((f) => process.execArgv.includes(f)) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...WEBSERVER_V8_FLAGS, ...process.argv.slice(1)], process.env);
}
// Node strips the types of every .ts module as it loads it, and compiles every module: the compile cache (in the
// OS's temporary folder; NODE_COMPILE_CACHE picks another, NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps both
// for the next start, which cuts a command's start from about 1 s of CPU to a tenth of that.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
