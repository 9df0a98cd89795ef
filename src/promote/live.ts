/**
 * A promotion as the mesh dashboard shows it (`canarykit promote --dashboard`): the step in force
 * and its plain Istio YAML, the step gathering calls (calls so far of those planned, the gates
 * decided so far), every decided step with each gate's evidence, and how it ended. The calls the
 * gates judge (the client's lines of each step, on the local mesh and on a cluster alike) also feed
 * the page's bars and timeline, where each step shows as a marked rise of v2's share.
 *
 * The routing belongs to the promotion: the page's switch and verify are refused with a sentence
 * that says so (a scenario switched in mid-step would make its gates judge calls it did not route).
 */
import { ChangeListeners, clientStatuses, type ClientStatus, type SwitchResult } from '../cli/play-session.ts';
import type { DashboardSource, PromotionStepView, PromotionView } from '../dashboard/state.ts';
import type { DriverName } from '../driver/driver.ts';
import type { LocalDriver } from '../local/local-driver.ts';
import type { Scenario } from '../scenarios/load.ts';
import type { GateResult } from './gates.ts';
import type { PromoteEvents, PromotionResult, StepRecord } from './promote.ts';
import type { PreparedPromotion } from './session.ts';
import type { StepFolder } from './step-files.ts';

type ActiveClients = ReturnType<LocalDriver['activeClients']>;

export class PromotionLive implements DashboardSource {
  readonly locked: string;
  readonly #prepared: PreparedPromotion;
  readonly #driverName: DriverName;
  #inForce: StepFolder | undefined;
  #since = new Date();
  #history: Array<{ name: string; at: Date }> = [];
  #gathering: PromotionView['gathering'] = null;
  #gatheringGates: readonly GateResult[] = [];
  #steps: PromotionStepView[] = [];
  #state: PromotionView['state'] = 'starting';
  #result: PromotionView['result'] = null;
  /** The client's lines of the step gathering calls (or of the last one): the bars and the timeline. */
  #lines: readonly string[] = [];
  readonly #listeners = new ChangeListeners();

  constructor(prepared: PreparedPromotion, driver: DriverName) {
    this.#prepared = prepared;
    this.#driverName = driver;
    this.locked = `a promotion of ${prepared.scenario.name} owns the routing: nothing else is applied until it ends (Ctrl-C at its terminal rolls back to 0% v2)`;
  }

  /** The driver is up; the first step is next. */
  started(): void {
    this.#state = 'running';
    this.#listeners.emit('switch');
  }

  /** The promotion's events, feeding this view, then `inner` (the command's own output). */
  events(inner: PromoteEvents = {}): PromoteEvents {
    return {
      applied: (step) => {
        this.#inForce = step;
        this.#since = new Date();
        this.#history.push({ name: `${step.weight}% v2`, at: this.#since });
        this.#gathering = null;
        this.#gatheringGates = [];
        this.#listeners.emit('switch');
        inner.applied?.(step);
      },
      progress: (step, progress) => {
        this.#gathering = { index: step.index, weight: step.weight, calls: progress.calls, planned: progress.planned };
        this.#gatheringGates = [...progress.gates];
        this.#lines = progress.lines;
        inner.progress?.(step, progress);
      },
      decided: (record: StepRecord) => {
        this.#steps.push({ index: record.index, weight: record.weight, calls: record.calls, ms: record.ms, gates: [...record.gates] });
        this.#gathering = null;
        this.#gatheringGates = [];
        this.#listeners.emit('switch');
        inner.decided?.(record);
      },
    };
  }

  /** How the promotion ended. */
  finish(result: PromotionResult): void {
    this.#state = result.result;
    this.#gathering = null;
    this.#result = {
      result: result.result,
      finalWeight: result.finalWeight,
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
      ...(result.gate !== undefined ? { gate: result.gate } : {}),
      ...(result.failedWeight !== undefined ? { failedWeight: result.failedWeight } : {}),
      totalCalls: result.totalCalls,
      ms: result.ms,
    };
    this.#listeners.emit('switch');
  }

  /** The promotion stopped with an error before it could end (the driver would not start, a cluster is missing). */
  fail(message: string): void {
    this.#state = 'failed';
    this.#gathering = null;
    this.#result = { result: 'failed', finalWeight: this.#inForce?.weight ?? Number.NaN, reason: message, totalCalls: 0, ms: 0 };
    this.#listeners.emit('switch');
  }

  promotion(): PromotionView {
    const steps = [...this.#steps];
    // The step gathering calls shows its gates as each one decides.
    if (this.#gathering && this.#gatheringGates.length > 0)
      steps.push({
        index: this.#gathering.index,
        weight: this.#gathering.weight,
        calls: this.#gathering.calls,
        ms: 0,
        gates: [...this.#gatheringGates],
      });
    return {
      scenario: this.#prepared.scenario.name,
      driver: this.#driverName,
      schedule: [...this.#prepared.config.schedule],
      alpha: this.#prepared.config.alpha,
      state: this.#state,
      inForce: this.#inForce ? { index: this.#inForce.index, weight: this.#inForce.weight, dir: this.#inForce.dir } : null,
      gathering: this.#gathering,
      steps,
      result: this.#result,
    };
  }

  get current(): Scenario | undefined {
    return this.#inForce?.scenario;
  }

  get since(): Date {
    return this.#since;
  }

  get catalogue(): { runnable: Scenario[]; clusterOnly: string[] } {
    return { runnable: [], clusterOnly: [] };
  }

  get history(): ReadonlyArray<{ name: string; at: Date }> {
    return this.#history;
  }

  get lastVerdict(): undefined {
    return undefined;
  }

  get verifying(): undefined {
    return undefined;
  }

  /** The promotion's one client, with the lines its gates judged at the latest step. */
  activeClients(): ActiveClients {
    const client = this.#prepared.scenario.expect.clients[0];
    if (!client || this.#lines.length === 0) return [];
    return [{ identity: client.identity, httpPort: 0, pid: undefined, lines: this.#lines, running: true, tail: '' }];
  }

  status(): ClientStatus[] {
    const current = this.current;
    return current ? clientStatuses(this.activeClients(), this.#since, current.expect.servers) : [];
  }

  async switchTo(_name: string): Promise<SwitchResult> {
    return { ok: false, message: this.locked };
  }

  async verify(): Promise<undefined> {
    return undefined;
  }

  onChange(listener: (event: 'switch' | 'verify') => void): () => void {
    return this.#listeners.add(listener);
  }
}
