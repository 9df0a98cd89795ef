// `canarykit demo`: every local scenario on the local xDS mesh, with progress, one report per
// scenario and a summary; exit code 1 if any check fails. `--json` prints only the machine form.
import { parseArgs } from 'node:util';
import { untilInterrupted } from '../until-interrupted.ts';
import { Dashboard, DEFAULT_DASHBOARD_PORT } from '../../dashboard/server.ts';
import { demoJson, runDemo } from '../../demo/run-demo.ts';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { CONTROL_PLANES, type ControlPlaneName } from '../../local/local-driver.ts';
import { useColor } from '../../verify/report.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';

const USAGE = `Usage: canarykit demo [--scenario NAME]... [--scenarios-dir DIR] [--json] [--verbose] [--dashboard [--dashboard-port ${DEFAULT_DASHBOARD_PORT}]]

Runs every scenario whose expect.yaml lists mode "local" on the local xDS mesh (no cluster):
server processes v1/v2, an xDS control plane, one proxyless gRPC client per identity. Each
scenario's Istio YAML is pushed to the clients, traffic flows until every check has the calls
it needs, and the split is checked with an exact binomial test.

  --scenario NAME   run only this scenario (repeatable); see 'canarykit scenarios'
  --scenarios-dir DIR
                    the scenarios folder (default: the kit's own scenarios/), e.g. a copy you are
                    editing (--root DIR is the old name)
  --json            print the results as JSON (no progress, no tables)
  --control-plane canarykit|istiod
                    who serves the clients' xDS: canarykit's own control plane (default), or a real
                    istiod started on loopback with a local kube-apiserver and etcd, the scenario
                    YAML applied with kubectl (needs the programs of 'make offline-images')
  --verbose         also print the control plane's log (pushes, ACKs, NACKs)
  --dashboard       serve the mesh dashboard (as play does) while the scenarios run, and keep it
                    open after the run, the last scenario in force, until Ctrl-C
  --dashboard-port N   its port on 127.0.0.1 (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        ...scenariosDirOptions('root'),
        'control-plane': { type: 'string', default: 'canarykit' },
        dashboard: { type: 'boolean', default: false },
        'dashboard-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`canarykit demo: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const controlPlane = values['control-plane'];
  if (!CONTROL_PLANES.includes(controlPlane as ControlPlaneName)) {
    process.stderr.write(`canarykit demo: --control-plane must be one of ${CONTROL_PLANES.join(', ')}, got '${controlPlane}'\n`);
    return 2;
  }
  if (values['dashboard-port'] !== undefined && !values.dashboard) {
    process.stderr.write(`canarykit demo: --dashboard-port needs --dashboard\n`);
    return 2;
  }
  if (values.dashboard && values.json) {
    process.stderr.write(
      `canarykit demo: --dashboard and --json do not go together (--json prints one document and exits; the dashboard stays open until Ctrl-C): choose one\n`,
    );
    return 2;
  }
  const dashboardPort = Number(values['dashboard-port'] ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535) {
    process.stderr.write(`canarykit demo: --dashboard-port must be a port number (0: any free port), got "${values['dashboard-port']}"\n`);
    return 2;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const color = !values.json && useColor(process.stdout);
  // The dashboard listens before the mesh starts, so a port in use stops the demo at once.
  let dashboard: Dashboard | undefined;
  if (values.dashboard) {
    try {
      dashboard = await Dashboard.listen({ port: dashboardPort });
    } catch (err) {
      process.stderr.write(`canarykit demo: ${(err as Error).message.replace('or --no-dashboard', 'or leave out --dashboard')}\n`);
      return 1;
    }
    out(`dashboard: ${dashboard.url} (each scenario as it runs; stays open after the run until Ctrl-C)`);
  }
  let result;
  try {
    result = await runDemo({
      root: scenariosDirOf(values, 'root', KIT_SCENARIOS_DIR),
      controlPlane: controlPlane as ControlPlaneName,
      ...(values.scenario ? { scenarios: values.scenario } : {}),
      color,
      ...(values.json ? {} : { progress: out }),
      ...(values.verbose ? { meshLog: (l: string) => out(`  mesh | ${l}`) } : {}),
      ...(dashboard ? { dashboard, dashboardLog: (l: string) => out(`[dashboard] ${l}`) } : {}),
    });
  } catch (err) {
    await dashboard?.close();
    process.stderr.write(`canarykit demo: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.json) {
    out(JSON.stringify(demoJson(result), null, 2));
    return result.passed ? 0 : 1;
  }
  out('');
  for (const s of result.scenarios) out(`${s.report}\n`);
  for (const s of result.skipped) out(`skipped ${s.name}: ${s.reason}`);
  const passed = result.scenarios.filter((s) => s.passed).length;
  out(
    `\n${passed} of ${result.scenarios.length} local scenarios passed in ${(result.totalMs / 1000).toFixed(1)} s (setup ${(result.setupMs / 1000).toFixed(1)} s)`,
  );
  for (const s of result.scenarios.filter((x) => !x.passed)) out(`FAILED ${s.name}${s.error ? `: ${s.error.split('\n')[0]}` : ''}`);
  if (dashboard) {
    const last = result.scenarios.at(-1)?.name;
    out(`\ndashboard: ${dashboard.url} stays open${last ? ` with ${last} in force (switch scenarios there)` : ''}; Ctrl-C to stop`);
    await untilInterrupted();
    await dashboard.close();
    await result.live?.stop();
  }
  return result.passed ? 0 : 1;
}
