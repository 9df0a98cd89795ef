#!/usr/bin/env node
// canarykit's command line. Node >= 24 runs the TypeScript sources directly, from a clone (also
// through `npx canarykit` there). canarykit is not published: Node does not strip types under
// node_modules, so a registry package would first need a compile step.
import module from 'node:module';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`canarykit needs Node.js 24 or newer (this is ${process.version}); run it through 'make', which installs Node 24 into .tools/, or install Node 24.\n`);
  process.exit(1);
}
// Cache compiled code on disk: the second start of a command loads Yeoman or grpc-js-xds faster.
module.enableCompileCache?.();
const { main } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
