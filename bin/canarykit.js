#!/usr/bin/env node
// canarykit's command line. Node >= 24 runs the TypeScript sources directly; a packed install
// (npm pack / npx from a registry) runs the compiled dist/ instead, because Node does not strip
// types under node_modules.
import { existsSync } from 'node:fs';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`canarykit needs Node.js 24 or newer (this is ${process.version}); run it through 'make', which installs Node 24 into .tools/, or install Node 24.\n`);
  process.exit(1);
}
const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/src/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
