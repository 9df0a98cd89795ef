#!/usr/bin/env node
// canarykit's command line. From a clone, Node >= 24 runs the TypeScript sources directly (also
// through `npx canarykit` there). From the npm package (built by `make package`) there are no .ts
// sources: Node does not strip types under node_modules, so the package carries the compiled
// src/**/*.js beside this file, at the same relative paths.
//
// Plain JavaScript that old Node versions can parse (no top-level await), so that Node < 24 gets
// the message below rather than a stack trace.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `canarykit needs Node.js 24 or newer; this is Node ${process.version} (${process.execPath}).\n` +
      'Get Node 24 LTS from https://nodejs.org/en/download (or: nvm install 24, fnm install 24, volta install node@24,\n' +
      "brew install node@24), then run canarykit again. From a clone, 'make' installs Node 24 into .tools/ by itself.\n",
  );
  process.exit(1);
}

import('node:fs').then(async ({ existsSync }) => {
  // Cache compiled code on disk: the second start of a command loads Yeoman or grpc-js-xds faster.
  (await import('node:module')).default.enableCompileCache?.();
  const source = new URL('../src/cli/main.ts', import.meta.url);
  const entry = existsSync(source) ? source : new URL('../src/cli/main.js', import.meta.url);
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
});
