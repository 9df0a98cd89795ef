#!/usr/bin/env node
// Standalone entry of the generator: `node generators/app/cli.ts <dir> [flags]`, the same as
// `canarykit newApp <dir> [flags]` without the kit's command table (used by the benchmark too).
import { enableCompileCache } from 'node:module';

// Yeoman's environment loads ~1000 modules; Node's on-disk compile cache makes later starts faster.
enableCompileCache?.();
const { runNewApp } = await import('./new-app.ts');
process.exitCode = await runNewApp(process.argv.slice(2));
