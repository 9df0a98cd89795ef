// `canarykit play`: the local mesh kept running for a workshop. Type a scenario's name to apply
// it (the clients keep calling; only the routing changes), `status` for the split since the
// change, `verify` for the full verdict, `quit` to stop. Each client serves its live split page.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { localCallsNeeded, selectScenarios } from '../../demo/run-demo.ts';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { LocalDriver } from '../../local/local-driver.ts';
import type { Scenario } from '../../scenarios/load.ts';
import { bar, formatReport, useColor } from '../../verify/report.ts';
import { PlaySession } from '../play-session.ts';

const USAGE = `Usage: canarykit play [--root scenarios] [--http-port 8080] [--rate N]

Starts the local mesh (xDS control plane, server processes, proxyless clients) and keeps it
running. Then, at the prompt:
  <scenario>   apply it (list shows the names); the clients keep calling, only the routing changes
  status       each client's split since the last change, as bars
  verify       wait for enough calls, then the full verdict (as make demo prints it)
  list         the scenarios that run locally
  quit         stop everything (Ctrl-D and Ctrl-C too)

  --http-port N   first port of the clients' live pages (default 8080; 0: none)
  --rate N        calls per second of each client (default 10, so the logs stay readable)
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string', default: KIT_SCENARIOS_DIR },
        'http-port': { type: 'string', default: '8080' },
        rate: { type: 'string', default: '10' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`canarykit play: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const httpPort = Number(values['http-port']);
  const rate = Number(values.rate);
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65000) {
    process.stderr.write(`canarykit play: --http-port must be a port number (0 for none), got "${values['http-port']}"\n`);
    return 2;
  }
  if (!(rate >= 0)) {
    process.stderr.write(`canarykit play: --rate must be a number of calls per second (0: as fast as possible), got "${values.rate}"\n`);
    return 2;
  }
  const { run: scenarios, skipped } = selectScenarios(values.root, undefined);
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const driver = new LocalDriver({
    clientRate: rate,
    clientHttpPort: httpPort,
    callsNeeded: localCallsNeeded(scenarios),
  });
  await driver.up();
  out(`local mesh up: xDS control plane on ${driver.plane.address}. Type a scenario name (list, status, verify, quit).`);

  const session = new PlaySession(driver);

  const apply = async (scenario: Scenario) => {
    // Checked and translated before anything changes, then one push from the old config to the
    // new one (src/cli/play-session.ts): a refused scenario keeps the last routing.
    const applied = await session.apply(scenario);
    byName.set(applied.name, applied);
    out(`applied ${applied.name}: ${applied.description.trim().split('\n')[0]}`);
    for (const c of driver.activeClients()) {
      const headers = Object.entries(applied.expect.clients.find((x) => x.identity === c.identity)?.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ');
      out(`  client ${c.identity}${headers ? ` (${headers})` : ''}${c.httpPort ? `: live split at http://127.0.0.1:${c.httpPort}/` : ''}`);
    }
  };

  const status = () => {
    const current = session.current;
    if (!current) return out('nothing applied yet: type a scenario name (list shows them)');
    for (const c of session.status()) {
      const t = c.tally;
      out(`${c.identity} (${t.total} calls since ${current.name} was applied)`);
      if (!c.running) out(`  the client has exited; apply a scenario to restart it. Its last lines:\n${c.tail}`);
      for (const [outcome, n] of [...t.byOutcome].sort()) out(`  ${outcome.padEnd(18)} ${bar(n / Math.max(1, t.total), 30)} ${((100 * n) / Math.max(1, t.total)).toFixed(1)}%`);
    }
  };

  const verify = async () => {
    const current = session.current;
    if (!current) return out('nothing applied yet: type a scenario name (list shows them)');
    out(`collecting the calls ${current.name}'s checks need...`);
    const result = await session.verify();
    if (result) out(formatReport(result, { title: current.name, color: useColor(process.stdout) }));
  };

  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
  let quitting = false;
  let inputClosed = false;
  prompt.on('close', () => (inputClosed = true));
  const stop = async () => {
    if (quitting) return;
    quitting = true;
    prompt.close();
    await driver.down();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  prompt.setPrompt('canarykit> ');
  prompt.prompt();
  for await (const raw of prompt) {
    const line = raw.trim();
    try {
      if (line === 'quit' || line === 'exit') break;
      else if (line === 'list') for (const s of scenarios) out(`  ${s.name.padEnd(22)} ${s.description.trim().split('\n')[0]}`);
      else if (line === 'status' || line === '') status();
      else if (line === 'verify') await verify();
      else if (line === 'help') out(USAGE);
      else if (byName.has(line) || byName.has(line.replace(/^apply\s+/, ''))) await apply(byName.get(line.replace(/^apply\s+/, ''))!);
      else if (skipped.some((s) => s.name === line)) out(`${line} runs on kind + Istio only (make e2e SCENARIO=${line}); the last routing stays`);
      else out(`unknown command or scenario "${line}"; scenarios: ${[...byName.keys()].join(', ')}`);
    } catch (err) {
      // A scenario the mesh refuses leaves the last good routing in place.
      out(`refused: ${(err as Error).message}`);
    }
    if (!quitting && !inputClosed) prompt.prompt();
  }
  await stop();
  return 0;
}
