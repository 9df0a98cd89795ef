/**
 * What a promotion needs from a mesh, and its one implementation on src/driver's Driver (the
 * local xDS mesh or kind + Istio). The promotion loop (promote.ts) knows only this port, so its
 * tests drive it with a scripted mesh and its statistics never depend on a driver's details.
 */
import type { Driver } from '../driver/driver.ts';
import type { Scenario } from '../scenarios/load.ts';
import type { StepFolder } from './step-files.ts';

export interface PromotePort {
  /** Puts one step's routing in force for the client (one push: the whole step or, on error, the
   * routing as it was) and resolves once it is; calls count from the returned time. */
  apply(step: StepFolder): Promise<Date>;
  /** The promotion client's call lines issued since `since`; when fewer than `atLeast`, waits a
   * second before returning what there is (the loop looks about once a second). */
  calls(since: Date, atLeast: number): Promise<string[]>;
  /** Server processes (local) or pods (cluster) per version, when the mesh can say; undefined when not. */
  replicas(version: string): Promise<number | undefined>;
  /** Text that helps find out why a promotion failed. Never throws. */
  describe(): Promise<string>;
}

export interface DriverPortOptions {
  /** Called once a step's routing is in force, before its calls start to count: the local driver
   * forgets the lines it has collected, so each look parses one step's lines, not the whole run's. */
  afterApply?: () => void;
  /** Processes/pods per version, when the driver can tell. */
  replicas?: (version: string) => number | undefined | Promise<number | undefined>;
  sleep?: (ms: number) => Promise<void>;
}

export class DriverPort implements PromotePort {
  readonly #driver: Driver;
  readonly #options: DriverPortOptions;
  #current: Scenario | undefined;

  constructor(driver: Driver, options: DriverPortOptions = {}) {
    this.#driver = driver;
    this.#options = options;
  }

  async apply(step: StepFolder): Promise<Date> {
    const target = step.scenario;
    const applied = await this.#driver.apply(target);
    this.#current = target;
    await this.#driver.waitForRouting(target, applied);
    this.#options.afterApply?.();
    return new Date();
  }

  async calls(since: Date, atLeast: number): Promise<string[]> {
    const scenario = this.#current;
    if (!scenario) throw new Error('no step applied yet');
    // One collect per look: a driver that waits for calls itself (the local one) is told to need
    // none (session.ts), since every wait would parse the whole log again and again.
    const logs = await this.#driver.collect(scenario, since);
    const lines = Object.values(logs.clients).flat();
    if (lines.length < atLeast) await (this.#options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(1000);
    return lines;
  }

  async replicas(version: string): Promise<number | undefined> {
    return this.#options.replicas?.(version);
  }

  async describe(): Promise<string> {
    if (!this.#current) return 'no step was applied';
    return this.#driver.diagnose(this.#current).catch((error: unknown) => `diagnose failed: ${String(error)}`);
  }
}
