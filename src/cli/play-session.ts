// The state behind `canarykit play`: which scenario routes the local mesh now, since when, and how
// to switch to the next one without losing a call's routing on the way.
//
// A switch is: read the scenario's files again (the instructor may have edited them since play
// started) and check them, translate them, and only then push the new config in ONE snapshot
// that replaces the old one. There is no "remove the old rules" step in between: an empty config
// is plain round robin, which would send calls to versions neither scenario routes to. A refused
// scenario therefore changes nothing: same routing, same clients, same `since`.
import { toDriverScenario } from '../driver/from-scenario.ts';
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

export class PlaySession {
  readonly driver: LocalDriver;
  #current: Scenario | undefined;
  #since = new Date();

  constructor(driver: LocalDriver) {
    this.driver = driver;
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
    const fresh = loadScenario(scenario.dir);
    const target = toDriverScenario(fresh);
    const applied = await this.driver.apply(target);
    await this.driver.waitForRouting(target, applied);
    this.#current = fresh;
    this.#since = new Date();
    return fresh;
  }

  /** Each running client's calls issued since the current scenario took effect, tallied. */
  status(): ClientStatus[] {
    const current = this.#current;
    if (!current) return [];
    return this.driver.activeClients().map((c) => ({
      identity: c.identity,
      httpPort: c.httpPort,
      running: c.running,
      ...(c.running ? {} : { tail: c.tail }),
      tally: tallyLines(callWindow(c.lines, this.#since.getTime()).lines, current.expect.servers),
    }));
  }

  /** Waits for the calls the checks need, then the verdict of the current scenario. */
  async verify(): Promise<VerifyResult | undefined> {
    const current = this.#current;
    if (!current) return undefined;
    const logs = await this.driver.collect(toDriverScenario(current), this.#since);
    return verifyLogs(current.expect, logs, 'local');
  }
}
