#!/usr/bin/env node
// The `windsock` command. Windsock's TypeScript runs directly on Node 24 (type stripping, no build step).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`windsock needs Node.js 24 or newer; this is ${process.version}. Install Node 24 (see .nvmrc) and run again.`);
  process.exit(1);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
