// `canarykit promote`: a progressive canary of v2 with statistical gates and automatic rollback,
// on the local xDS mesh (default) or kind + Istio, through the same Driver as every scenario.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { untilInterrupted } from '../until-interrupted.ts';
import { proxylessFromEnv } from '../../cluster/env-file.ts';
import { Dashboard, DEFAULT_DASHBOARD_PORT } from '../../dashboard/server.ts';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';
import { parseScheduleFlag } from '../../promote/config.ts';
import { PromotionLive } from '../../promote/live.ts';
import { formatPromotion, promotionJson } from '../../promote/report.ts';
import { preparePromotion, promoteOnDriver, type PreparedPromotion } from '../../promote/session.ts';
import type { PromoteEvents } from '../../promote/promote.ts';
import type { StepFolder } from '../../promote/step-files.ts';

const USAGE = `Usage: canarykit promote --scenario NAME [options]

Promotes v2 of greeter-server step by step (default 5 → 10 → 25 → 50 → 100% of calls), with calls
from a real client at every step. Each step below 100 holds until the planned calls are in, then
three gates decide: the split is what the weight says, v2 fails no more often than v1 (Fisher's
exact test), v2's p99 is within a factor of v1's. A failed gate rolls back to 0% v2 at once and
exits 1 with the evidence; all gates passing ends at 100% v2 and exits 0. Every step is written
first as plain Istio YAML (--out) that kubectl applies as it stands. Ctrl-C rolls back to 0% v2
after any apply in flight and says so (exit 130); a second Ctrl-C exits at once, saying which
weight is in force. docs/promote.md explains the statistics.

  --scenario NAME    the scenario (under --scenarios-dir) with v1 and v2 servers, the subsets v1 and v2 and,
                     optionally, expect/promote.yaml (schedule, alpha, power, margins)
  --scenarios-dir DIR  the scenarios folder (default: the kit's own scenarios/; --root is an alias)
  --schedule LIST    v2's weights, e.g. 5,10,25,50,100 (increasing, ending at 100)
  --out DIR          where the step folders go (default: out/promote/<scenario>)
  --driver local|kind  the local xDS mesh (default) or kind + Istio (make cluster-up deploy first)
  --proxyless        with --driver kind: the cluster's clients are proxyless gRPC (make deploy
                     PROXYLESS=1; also PROXYLESS=1 in the environment)
  --json             print the result as JSON
  --dashboard        serve the mesh dashboard on 127.0.0.1 while the promotion runs: the step in
                     force and its YAML, the calls of the step, each gate's evidence as it decides,
                     v2's share over time; it stays open after the end until Ctrl-C
  --dashboard-port N   its port (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        ...scenariosDirOptions('root'),
        schedule: { type: 'string' },
        out: { type: 'string' },
        driver: { type: 'string', default: 'local' },
        proxyless: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        dashboard: { type: 'boolean', default: false },
        'dashboard-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`canarykit promote: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const fail = (message: string) => {
    process.stderr.write(`canarykit promote: ${message}\n`);
    return 2;
  };
  if (!values.scenario) return fail(`give --scenario NAME (e.g. promote-good; 'canarykit scenarios' lists them)\n\n${USAGE}`);
  if (values.driver !== 'local' && values.driver !== 'kind') return fail(`--driver must be local or kind, got '${values.driver}'`);
  if (values['dashboard-port'] !== undefined && !values.dashboard) return fail('--dashboard-port needs --dashboard');
  if (values.dashboard && values.json)
    return fail('--dashboard and --json do not go together (--json prints one document and exits; the dashboard stays open until Ctrl-C): choose one');
  const dashboardPort = Number(values['dashboard-port'] ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535)
    return fail(`--dashboard-port must be a port number (0: any free port), got "${values['dashboard-port']}"`);

  // Everything is read, checked and written before the mesh is touched: a bad input changes no routing.
  let prepared: PreparedPromotion;
  try {
    prepared = preparePromotion(resolve(scenariosDirOf(values, 'root', KIT_SCENARIOS_DIR), values.scenario), {
      ...(values.schedule ? { schedule: parseScheduleFlag(values.schedule) } : {}),
      ...(values.out ? { outDir: values.out } : {}),
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\nno routing was changed`);
  }
  const { scenario, config, steps, outDir } = prepared;
  const driverName = values.driver;
  // The dashboard listens before the mesh starts, so a port in use stops here, with no routing changed.
  let dashboard: Dashboard | undefined;
  const live = values.dashboard ? new PromotionLive(prepared, driverName) : undefined;
  if (live) {
    try {
      dashboard = await Dashboard.listen({ port: dashboardPort });
    } catch (error) {
      return fail(`${(error as Error).message.replace('or --no-dashboard', 'or leave out --dashboard')}\nno routing was changed`);
    }
    dashboard.attach(live);
  }

  const out = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  const controller = new AbortController();
  let inForce: StepFolder | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\ncanarykit promote: interrupted; rolling back to 0% v2 after any apply in flight (Ctrl-C again to exit at once)\n`);
      controller.abort();
      return;
    }
    process.stderr.write(
      `canarykit promote: exiting now; routing in force: ${inForce ? `${inForce.weight}% v2 (${inForce.dir})` : 'unchanged'}${driverName === 'local' ? ' (the local mesh stops with this process)' : ''}\n`,
    );
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  let code: number;
  try {
    out(`steps written to ${outDir} (kubectl apply -f <step folder>)`);
    if (dashboard) out(`dashboard: ${dashboard.url} (the step in force, each gate's evidence as it decides)`);
    out(`starting the ${driverName === 'local' ? 'local mesh' : 'kind driver'}...`);
    const cluster = driverName === 'kind' ? await kindCluster(values.proxyless) : undefined;
    const result = await promoteOnDriver(prepared, {
      driver: driverName,
      ...(cluster ? { cluster } : {}),
      signal: controller.signal,
      ...(live ? { onUp: () => live.started() } : {}),
      events: (live ? (inner: PromoteEvents) => live.events(inner) : (inner: PromoteEvents) => inner)({
        applied: (step) => {
          inForce = step;
          out(`[${step.index}/${steps.length - 1}] ${step.weight}% v2 in force`);
        },
        decided: (r) => out(`      ${r.calls} calls in ${(r.ms / 1000).toFixed(1)} s: ${r.gates.map((g) => `${g.gate} ${g.verdict}`).join(', ')}`),
      }),
    });
    live?.finish(result);
    if (values.json) process.stdout.write(`${JSON.stringify(promotionJson(scenario.name, result, config), null, 2)}\n`);
    else out(`\n${formatPromotion(scenario.name, result, config)}`);
    code = result.result === 'promoted' ? 0 : result.result === 'interrupted' ? 130 : result.result === 'refused' ? 2 : 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    live?.fail(message);
    code = fail(`${message}\nrouting in force: ${inForce ? `${inForce.weight}% v2 (${inForce.dir})` : 'unchanged'}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (dashboard) {
    out(`\ndashboard: ${dashboard.url} stays open with the promotion's steps and evidence; Ctrl-C to stop`);
    await untilInterrupted();
    await dashboard.close();
  }
  return code;
}

/** The running kind cluster as `make e2e` resolves it (images, tools, proxyless from the flag or PROXYLESS=1). */
async function kindCluster(proxyless: boolean) {
  const { prepare } = await import('../../cluster/command.ts');
  return prepare('e2e', { proxyless: proxyless || proxylessFromEnv(), offline: 'auto' }, (line) => process.stderr.write(`${line}\n`));
}
