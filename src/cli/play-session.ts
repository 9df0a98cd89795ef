// The state behind `canarykit play`: which scenario routes the local mesh now, since when, and how
// to switch to the next one without losing a call's routing on the way.
//
// A switch is: read the scenario's files again (the instructor may have edited them since play
// started) and check them, translate them, and only then push the new config in ONE snapshot
// that replaces the old one. There is no "remove the old rules" step in between: an empty config
// is plain round robin, which would send calls to versions neither scenario routes to. A refused
// scenario therefore changes nothing: same routing, same clients, same `since`.
//
// The prompt and the dashboard's switch control both go through `switchTo(name)`: one lookup,
// one refusal text, one queue. Switches run one after another, so two people switching at once
// end in the state of the last switch, never in a mix of both.
import type { LocalDriver } from '../local/local-driver.ts';
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import { verifyLogs, type VerifyResult } from '../verify/check.ts';
import { tallyLines, type Tally } from '../verify/tally.ts';
import { callWindow } from '../verify/window.ts';

export interface ClientStatus {
  identity: string;
  httpPort: number;
  /** False when the client process has exited (its tail says why). */
  running: boolean;
  tail?: string;
  tally: Tally;
}

/** What a switch did: applied, or refused with a sentence naming what is wrong and the fix. */
export type SwitchResult = { ok: true; scenario: Scenario; message: string } | { ok: false; message: string };

/** The scenarios play offers: those that run on the local mesh, and those that need the cluster. */
export interface PlayCatalogue {
  runnable: readonly Scenario[];
  clusterOnly: ReadonlyArray<{ name: string }>;
}

/** The last verdict `verify` reached (prompt or dashboard). */
export interface PlayVerdict {
  scenario: string;
  at: Date;
  result: VerifyResult;
}

export type PlayEvent = 'switch' | 'verify';

export class PlaySession {
  readonly driver: LocalDriver;
  #current: Scenario | undefined;
  #since = new Date();
  #byName: Map<string, Scenario>;
  #clusterOnly: Set<string>;
  /** The tail of the switch queue: each apply starts when the previous one has ended. */
  #queue: Promise<unknown> = Promise.resolve();
  #history: Array<{ name: string; at: Date }> = [];
  #verdict: PlayVerdict | undefined;
  #verifying: string | undefined;
  readonly #listeners = new ChangeListeners();

  constructor(driver: LocalDriver, catalogue: PlayCatalogue = { runnable: [], clusterOnly: [] }) {
    this.driver = driver;
    this.#byName = new Map(catalogue.runnable.map((s) => [s.name, s]));
    this.#clusterOnly = new Set(catalogue.clusterOnly.map((s) => s.name));
  }

  /** The scenarios `switchTo` accepts, by name (sorted), and those that need the cluster. */
  get catalogue(): { runnable: Scenario[]; clusterOnly: string[] } {
    return { runnable: [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name)), clusterOnly: [...this.#clusterOnly].sort() };
  }

  /** Every scenario applied so far and when, oldest first (the dashboard marks them on its timeline). */
  get history(): ReadonlyArray<{ name: string; at: Date }> {
    return this.#history;
  }

  get lastVerdict(): PlayVerdict | undefined {
    return this.#verdict;
  }

  /** The scenario whose calls `verify` is collecting now, if any. */
  get verifying(): string | undefined {
    return this.#verifying;
  }

  /** Called after every applied switch and every verdict; returns the unsubscribe function. */
  onChange(listener: (event: PlayEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * THE way to switch by name, for the prompt and the dashboard alike. Never throws: a name that
   * is not a local scenario, a cluster-only scenario, or a scenario whose files are now wrong is
   * refused with a message, and the routing stays as it was.
   */
  async switchTo(input: string): Promise<SwitchResult> {
    const name = input.trim().replace(/^apply\s+/, '');
    const scenario = this.#byName.get(name);
    if (!scenario) {
      if (this.#clusterOnly.has(name)) return { ok: false, message: `${name} runs on kind + Istio only (make e2e SCENARIO=${name}); the last routing stays` };
      // JSON quoting: the name may come from a web page, and must not put control characters on the terminal.
      const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
      return { ok: false, message: `unknown scenario ${shown}; the last routing stays. Scenarios: ${[...this.#byName.keys()].sort().join(', ')}` };
    }
    try {
      const applied = await this.apply(scenario);
      this.#byName.set(applied.name, applied);
      return { ok: true, scenario: applied, message: `applied ${applied.name}: ${applied.description.trim().split('\n')[0]}` };
    } catch (err) {
      // A scenario the mesh refuses leaves the last good routing in place.
      return { ok: false, message: `refused: ${(err as Error).message}` };
    }
  }

  get current(): Scenario | undefined {
    return this.#current;
  }

  /** When the current scenario's routing took effect. */
  get since(): Date {
    return this.#since;
  }

  /**
   * Switches the mesh to `scenario`. Reloads it from disk first (a ScenarioError names file, field
   * and fix), then the driver translates it and pushes it in one snapshot, and this waits until
   * every client has ACKed it. Throws, changing nothing, when the scenario is refused.
   */
  async apply(scenario: Scenario): Promise<Scenario> {
    const run = this.#queue.then(async () => {
      const fresh = loadScenario(scenario.dir);
      const applied = await this.driver.apply(fresh);
      await this.driver.waitForRouting(fresh, applied);
      this.#current = fresh;
      this.#since = new Date();
      this.#history.push({ name: fresh.name, at: this.#since });
      if (this.#history.length > 100) this.#history.shift();
      return fresh;
    });
    this.#queue = run.catch(() => {});
    const fresh = await run;
    this.#listeners.emit('switch');
    return fresh;
  }

  /** The clients of the scenario in force, with their log lines (the dashboard reads them). */
  activeClients(): ReturnType<LocalDriver['activeClients']> {
    return this.driver.activeClients();
  }

  /** Each running client's calls issued since the current scenario took effect, tallied. */
  status(): ClientStatus[] {
    const current = this.#current;
    if (!current) return [];
    return clientStatuses(this.driver.activeClients(), this.#since, current.expect.servers);
  }

  /** Waits for the calls the checks need, then the verdict of the current scenario. */
  async verify(): Promise<VerifyResult | undefined> {
    const current = this.#current;
    if (!current) return undefined;
    this.#verifying = current.name;
    this.#listeners.emit('verify');
    try {
      const logs = await this.driver.collect(current, this.#since);
      const result = verifyLogs(current.expect, logs, 'local');
      this.#verdict = { scenario: current.name, at: new Date(), result };
      return result;
    } finally {
      this.#verifying = undefined;
      this.#listeners.emit('verify');
    }
  }
}

/** Each client's calls issued at or after `since`, tallied (the prompt's status, the dashboard's bars). */
export function clientStatuses(
  clients: ReturnType<LocalDriver['activeClients']>,
  since: Date,
  servers: ReadonlyArray<{ version: string; id?: string }>,
): ClientStatus[] {
  return clients.map((c) => ({
    identity: c.identity,
    httpPort: c.httpPort,
    running: c.running,
    ...(c.running ? {} : { tail: c.tail }),
    tally: tallyLines(callWindow(c.lines, since.getTime()).lines, servers),
  }));
}

/** Who to tell of a switch or a verdict (the dashboard's pages): a listener's failure, a closed page, is not the source's. */
export class ChangeListeners {
  readonly #listeners = new Set<(event: PlayEvent) => void>();

  /** Returns the unsubscribe function. */
  add(listener: (event: PlayEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: PlayEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A closed page.
      }
    }
  }
}
