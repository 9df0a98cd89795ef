// `make demo` / `canarykit demo`: every scenario that lists mode `local`, applied in turn on the
// local xDS mesh, each verified from the clients' logs with the scenario's own expectations.
// One driver serves the whole run: servers and clients start once and are reused while a
// scenario's needs allow, so after the first scenario a verdict takes about a second of traffic.
import { runScenario, ScenarioFailure } from '../driver/run-scenario.ts';
import { LocalDriver, type ControlPlaneName } from '../local/local-driver.ts';
import { loadScenario, scenarioDirs, type Scenario } from '../scenarios/load.ts';
import { plannedCalls, verifyLogs, type VerifyResult } from '../verify/check.ts';
import { formatReport, toJson } from '../verify/report.ts';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PlaySession } from '../cli/play-session.ts';
import type { Dashboard } from '../dashboard/server.ts';
import { PROMOTE_PATH } from '../promote/config.ts';

export interface DemoOptions {
  /** Scenario names to run (default: every scenario with mode `local`). */
  scenarios?: string[];
  root?: string;
  color?: boolean;
  /** Progress lines (a scenario starting, its verdict). */
  progress?: (line: string) => void;
  /** Control-plane log lines. */
  meshLog?: (line: string) => void;
  /** canarykit's own xDS control plane (default) or a real istiod on loopback. */
  controlPlane?: ControlPlaneName;
  /**
   * The mesh dashboard (src/dashboard), listening: each scenario is applied and verified through a
   * play session it shows, and after the run the mesh keeps running with the last scenario in
   * force (the page can switch it) until `live.stop()`.
   */
  dashboard?: Dashboard;
  /** What the dashboard did (a switch from the page), for the terminal. */
  dashboardLog?: (line: string) => void;
}

export interface ScenarioOutcome {
  name: string;
  passed: boolean;
  /** Apply to verdict, in ms. */
  ms: number;
  result?: VerifyResult;
  report: string;
  error?: string;
}

export interface DemoResult {
  passed: boolean;
  totalMs: number;
  setupMs: number;
  scenarios: ScenarioOutcome[];
  skipped: Array<{ name: string; reason: string }>;
  /** With a dashboard: the mesh still running for the page; stop() ends it. */
  live?: { stop(): Promise<void> };
}

/** The scenarios to run, refusing unknown names with the list of known ones. */
/**
 * The scenarios to run: the named ones, else every one whose modes include `local`. With
 * `skipPromotions`, a scenario with expect/promote.yaml is left out unless named: it is a promotion
 * demonstration (`make promote`; its e2e test runs the promotion), and as a plain scenario it only
 * shows every call on v1 again.
 */
export function selectScenarios(
  root: string,
  names: string[] | undefined,
  options: { skipPromotions?: boolean } = {},
): { run: Scenario[]; skipped: DemoResult['skipped'] } {
  const dirs = scenarioDirs(root);
  const known = dirs.map((d) => d.split('/').pop()!);
  for (const name of names ?? []) {
    if (!known.includes(name)) throw new Error(`unknown scenario "${name}"; known scenarios: ${known.join(', ')}`);
  }
  const chosen = names && names.length > 0 ? names.map((n) => join(root, n)) : dirs;
  const run: Scenario[] = [];
  const skipped: DemoResult['skipped'] = [];
  const named = names !== undefined && names.length > 0;
  for (const dir of chosen) {
    if (options.skipPromotions && !named && existsSync(join(dir, PROMOTE_PATH))) {
      const name = basename(dir);
      skipped.push({ name, reason: `a promotion demonstration (${PROMOTE_PATH}): make promote SCENARIO=${name}; the e2e suite runs its promotion` });
      continue;
    }
    const scenario = loadScenario(dir);
    if (scenario.modes.includes('local')) run.push(scenario);
    else skipped.push({ name: scenario.name, reason: `cluster only (${scenario.modes.join(', ')}): run it with make e2e on kind + Istio` });
  }
  return { run, skipped };
}

/** For LocalDriver's callsNeeded: the calls a client of the scenario needs for its checks on the local mesh. */
export function localCallsNeeded(scenario: Scenario, identity: string): number {
  const client = scenario.clients.find((c) => c.identity === identity);
  if (!client) throw new Error(`no expectation for client ${identity} of scenario ${scenario.name}`);
  return plannedCalls(scenario.expect, client, 'local');
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const progress = opts.progress ?? (() => {});
  const { run, skipped } = selectScenarios(opts.root ?? 'scenarios', opts.scenarios, { skipPromotions: true });
  const driver = new LocalDriver({
    callsNeeded: localCallsNeeded,
    ...(opts.controlPlane ? { controlPlane: opts.controlPlane } : {}),
    ...(opts.meshLog ? { log: opts.meshLog } : {}),
  });
  const outcomes: ScenarioOutcome[] = [];
  let setupMs = 0;
  let keepRunning = false;
  try {
    await driver.up();
    progress(`starting the local mesh: xDS control plane, ${run.length} scenarios' servers and clients...`);
    await driver.prepare(run);
    setupMs = performance.now() - started;
    const session = opts.dashboard ? new PlaySession(driver, { runnable: run, clusterOnly: skipped }) : undefined;
    if (session) opts.dashboard!.attach(session, { log: opts.dashboardLog ?? (() => {}) });
    for (const [i, scenario] of run.entries()) {
      progress(`[${i + 1}/${run.length}] ${scenario.name}: ${scenario.description.trim().split('\n')[0]}`);
      const t0 = performance.now();
      let result: VerifyResult | undefined;
      const report = (r: VerifyResult) => formatReport(r, { title: scenario.name, color: opts.color ?? false });
      try {
        if (session) {
          // The play session's path, which the dashboard shows: checked one-push apply, then verify.
          await session.apply(scenario);
          result = await session.verify();
          if (!result) throw new Error(`no verdict for ${scenario.name}`);
          outcomes.push({ name: scenario.name, passed: result.passed, ms: performance.now() - t0, report: report(result), result });
        } else {
          const { outcome } = await runScenario({
            driver,
            scenario,
            sampleMs: 0,
            verify: (_s, logs) => {
              result = verifyLogs(scenario.expect, logs, 'local');
              return { passed: result.passed, report: report(result) };
            },
          });
          outcomes.push({ name: scenario.name, passed: outcome.passed, ms: performance.now() - t0, report: outcome.report, ...(result ? { result } : {}) });
        }
      } catch (err) {
        const message = err instanceof ScenarioFailure || err instanceof Error ? err.message : String(err);
        outcomes.push({
          name: scenario.name,
          passed: false,
          ms: performance.now() - t0,
          report: result ? report(result) : message,
          error: message,
          ...(result ? { result } : {}),
        });
      }
      const last = outcomes.at(-1)!;
      progress(`      ${last.passed ? 'PASS' : 'FAIL'} in ${(last.ms / 1000).toFixed(1)} s`);
    }
    keepRunning = session !== undefined;
  } finally {
    if (!keepRunning) await driver.down();
  }
  const result: DemoResult = { passed: outcomes.every((o) => o.passed), totalMs: performance.now() - started, setupMs, scenarios: outcomes, skipped };
  if (keepRunning) result.live = { stop: () => driver.down() };
  return result;
}

/** The machine form for `--json`. */
export function demoJson(result: DemoResult): Record<string, unknown> {
  return {
    passed: result.passed,
    totalMs: Math.round(result.totalMs),
    setupMs: Math.round(result.setupMs),
    scenarios: result.scenarios.map((s) =>
      s.result ? toJson(s.result, { name: s.name, ms: Math.round(s.ms) }) : { name: s.name, passed: false, ms: Math.round(s.ms), error: s.error },
    ),
    skipped: result.skipped,
  };
}
