// `canarykit <command>`: one table of commands, each a module with `run(argv): Promise<number>`,
// loaded only when called so a command's dependencies never slow or break another.
import { readFileSync } from 'node:fs';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  newApp: {
    summary: 'scaffold a greeter gRPC server or client project (Dockerfile, Helm chart, Makefile)',
    load: () => import('./commands/new-app.ts'),
  },
  demo: {
    summary: 'run every routing scenario on the local xDS mesh and verify the version split',
    load: () => import('./commands/demo.ts'),
  },
  play: {
    summary: 'keep the local mesh running and switch scenarios by name (for workshops)',
    load: () => import('./commands/play.ts'),
  },
  promote: {
    summary: 'promote v2 step by step (5 → 100%) with exact gates on errors, latency and split; roll back on a failed gate',
    load: () => import('./commands/promote.ts'),
  },
  e2e: {
    summary: 'run the scenarios on a driver: local (xDS mesh) or kind (kind + Istio)',
    load: () => import('./commands/e2e.ts'),
  },
  cluster: {
    summary: 'kind + Istio: up, deploy, e2e, down (--dry-run prints the plan)',
    load: () => import('./commands/cluster.ts'),
  },
  mesh: {
    summary: 'diff the xDS that src/mesh and a real istiod send the same client, per scenario',
    load: () => import('./commands/mesh.ts'),
  },
  scenarios: {
    summary: 'list the routing scenarios and validate their files',
    load: () => import('./commands/scenarios.ts'),
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'canarykit: learn, demonstrate and test service-mesh traffic management with TypeScript and gRPC',
    '',
    'Usage: canarykit <command> [options]      (canarykit <command> --help for its options)',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // `new-app` and `newapp` are accepted too: people type what they remember.
  const key = Object.keys(commands).find((c) => c.toLowerCase() === name.replace(/-/g, '').toLowerCase());
  const command = key ? commands[key] : undefined;
  if (!command) {
    process.stderr.write(`canarykit: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}
