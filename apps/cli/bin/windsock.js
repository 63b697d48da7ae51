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
// V8 reads its flags only at start, hence the exec (src/v8-flags.ts says which command runs with which, and why).
const [command, sub] = process.argv.slice(2);
const { v8FlagsFor } = await import('../src/v8-flags.ts');
const V8_FLAGS = v8FlagsFor(command, sub, process.env);
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
