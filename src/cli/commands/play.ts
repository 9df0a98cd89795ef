// `canarykit play`: the local mesh kept running for a workshop. Type a scenario's name to apply
// it (the clients keep calling; only the routing changes), `status` for the split since the
// change, `verify` for the full verdict, `quit` to stop. Each client serves its live split page,
// and the mesh dashboard (src/dashboard) shows them all and switches scenarios from the browser.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { localCallsNeeded, selectScenarios } from '../../demo/run-demo.ts';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';
import { LocalDriver } from '../../local/local-driver.ts';
import { Dashboard, DEFAULT_DASHBOARD_PORT } from '../../dashboard/server.ts';
import { bar, formatReport, useColor } from '../../verify/report.ts';
import { PlaySession } from '../play-session.ts';

const USAGE = `Usage: canarykit play [--scenarios-dir scenarios] [--http-port 8080] [--rate N] [--dashboard-port ${DEFAULT_DASHBOARD_PORT} | --no-dashboard]

Starts the local mesh (xDS control plane, server processes, proxyless clients) and keeps it
running. Then, at the prompt:
  <scenario>   apply it (list shows the names); the clients keep calling, only the routing changes
  status       each client's split since the last change, as bars
  verify       wait for enough calls, then the full verdict (as make demo prints it)
  list         the scenarios that run locally
  quit         stop everything (Ctrl-D and Ctrl-C too)

  --http-port N   first port of the clients' live pages (default 8080; 0: none)
  --rate N        calls per second of each client (default 10, so the logs stay readable)
  --dashboard-port N   port of the mesh dashboard on 127.0.0.1 (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)
  --no-dashboard       no dashboard

The dashboard (its URL is printed at start) shows the scenario in force with its YAML, every
client's expected and observed split, a timeline of the split, error codes and the last verdict,
and switches scenarios through the same checked, one-push apply as the prompt.
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...scenariosDirOptions('root'),
        'http-port': { type: 'string', default: '8080' },
        rate: { type: 'string', default: '10' },
        'dashboard-port': { type: 'string', default: String(DEFAULT_DASHBOARD_PORT) },
        'no-dashboard': { type: 'boolean' },
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
  const dashboardPort = Number(values['dashboard-port']);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535) {
    process.stderr.write(`canarykit play: --dashboard-port must be a port number (0: any free port), got "${values['dashboard-port']}"\n`);
    return 2;
  }
  if (!(rate >= 0)) {
    process.stderr.write(`canarykit play: --rate must be a number of calls per second (0: as fast as possible), got "${values.rate}"\n`);
    return 2;
  }
  let root: string;
  try {
    root = scenariosDirOf(values, 'root', KIT_SCENARIOS_DIR);
  } catch (err) {
    process.stderr.write(`canarykit play: ${(err as Error).message}\n`);
    return 2;
  }
  const { run: scenarios, skipped } = selectScenarios(root, undefined);
  const out = (line = '') => process.stdout.write(`${line}\n`);
  // The dashboard listens before the mesh starts, so a port in use stops play at once.
  let dashboard: Dashboard | undefined;
  if (!values['no-dashboard']) {
    try {
      dashboard = await Dashboard.listen({ port: dashboardPort });
    } catch (err) {
      process.stderr.write(`canarykit play: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const driver = new LocalDriver({
    clientRate: rate,
    clientHttpPort: httpPort,
    callsNeeded: localCallsNeeded,
  });
  await driver.up();
  out(`local mesh up: xDS control plane on ${driver.plane.address}. Type a scenario name (list, status, verify, quit).`);

  const session = new PlaySession(driver, { runnable: scenarios, clusterOnly: skipped });
  let reprompt = () => {};
  if (dashboard) {
    dashboard.attach(session, {
      // A switch or a verify started on the page shows at the prompt too.
      log: (line) => {
        out(`\n[dashboard] ${line}`);
        reprompt();
      },
    });
    out(`dashboard: ${dashboard.url} (the scenario in force, every client's split, switch scenarios)`);
  }

  // One switch function for the prompt and the page (PlaySession.switchTo): checked and translated
  // before anything changes, then one push from the old config to the new one; a refused scenario
  // keeps the last routing.
  const apply = async (name: string) => {
    const result = await session.switchTo(name);
    out(result.message);
    if (!result.ok) return;
    const applied = result.scenario;
    for (const c of driver.activeClients()) {
      const headers = Object.entries(applied.expect.clients.find((x) => x.identity === c.identity)?.headers ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
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
      for (const [outcome, n] of [...t.byOutcome].sort())
        out(`  ${outcome.padEnd(18)} ${bar(n / Math.max(1, t.total), 30)} ${((100 * n) / Math.max(1, t.total)).toFixed(1)}%`);
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
    await dashboard?.close();
    await driver.down();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  prompt.setPrompt('canarykit> ');
  reprompt = () => {
    if (!quitting && !inputClosed) prompt.prompt(true);
  };
  prompt.prompt();
  for await (const raw of prompt) {
    const line = raw.trim();
    try {
      if (line === 'quit' || line === 'exit') break;
      else if (line === 'list') for (const s of scenarios) out(`  ${s.name.padEnd(22)} ${s.description.trim().split('\n')[0]}`);
      else if (line === 'status' || line === '') status();
      else if (line === 'verify') await verify();
      else if (line === 'help') out(USAGE);
      else await apply(line);
    } catch (err) {
      out(`error: ${(err as Error).message}`);
    }
    if (!quitting && !inputClosed) prompt.prompt();
  }
  await stop();
  return 0;
}
