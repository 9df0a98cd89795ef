/**
 * A mesh for the promotion loop's tests: applying a step changes the split its simulated client
 * sees at once, and each `calls` returns more log lines in the client's own format, drawn with a
 * seeded PRNG from each version's failure share and latency. Hooks let a test fail an apply, hold
 * one, or fire Ctrl-C at a chosen moment.
 */
import { seededRandom } from '../../verify/prng.ts';
import type { PromotePort } from '../mesh-port.ts';
import type { StepFolder } from '../step-files.ts';

export interface ScriptedVersion {
  failRate: number;
  latencyMs: number;
  /** Failures carry no version (a transport error) instead of the server's `in vN.0.0`. */
  anonymousFailures?: boolean;
}

export interface ScriptedMeshOptions {
  v1?: ScriptedVersion;
  v2?: ScriptedVersion;
  seed?: number;
  /** Calls the client makes between two `calls` (default 2,000). */
  callsPerPoll?: number;
  replicas?: Record<string, number>;
  /** The share of calls v2 really gets at a weight (default: the weight): a mesh that misroutes. */
  shareOf?: (weight: number) => number;
  /** Called before each apply; may throw (a refused config) or wait (an apply in flight). */
  beforeApply?: (step: StepFolder, appliedSoFar: number) => void | Promise<void>;
  /** Called at each poll with the weight in force. */
  onPoll?: (weight: number, poll: number) => void;
}

export class ScriptedMesh implements PromotePort {
  /** v2's weight after each apply, in order. */
  readonly applied: number[] = [];
  #weight = -1;
  #lines: string[] = [];
  #seq = 0;
  #polls = 0;
  readonly #random: () => number;
  readonly #o: Required<Omit<ScriptedMeshOptions, 'beforeApply' | 'onPoll' | 'replicas' | 'seed' | 'shareOf'>> & ScriptedMeshOptions;

  constructor(options: ScriptedMeshOptions = {}) {
    this.#o = { v1: { failRate: 0, latencyMs: 2 }, v2: { failRate: 0, latencyMs: 2 }, callsPerPoll: 2000, ...options };
    this.#random = seededRandom(options.seed ?? 1);
  }

  get weight(): number {
    return this.#weight;
  }

  async apply(step: StepFolder): Promise<Date> {
    await this.#o.beforeApply?.(step, this.applied.length);
    this.#weight = step.weight;
    this.applied.push(step.weight);
    this.#lines = [];
    return new Date(0);
  }

  async calls(_since: Date, _atLeast: number): Promise<string[]> {
    this.#o.onPoll?.(this.#weight, ++this.#polls);
    const share = this.#o.shareOf ? this.#o.shareOf(this.#weight) : this.#weight / 100;
    for (let i = 0; i < this.#o.callsPerPoll; i++) {
      const version = this.#random() < share ? 'v2' : 'v1';
      const behaviour = version === 'v2' ? this.#o.v2 : this.#o.v1;
      const seq = ++this.#seq;
      // Latency: the version's own, with a little spread.
      const latency = Math.round(behaviour.latencyMs * (1 + this.#random()) * 10) / 10;
      if (this.#random() < behaviour.failRate) {
        const details = behaviour.anonymousFailures ? 'No connection established' : `injected failure (failRate ${behaviour.failRate}) in ${version}.0.0`;
        this.#lines.push(
          `2026-12-05T07:00:00.000Z ERROR call server error = code:14 status:"UNAVAILABLE" details:"${details}" latency_ms:${latency} seq:${seq}`,
        );
      } else {
        this.#lines.push(`2026-12-05T07:00:00.000Z INFO call server response = name:"Hello laurence" id:"${version}.0.0" latency_ms:${latency} seq:${seq}`);
      }
    }
    return [...this.#lines];
  }

  async replicas(version: string): Promise<number | undefined> {
    return this.#o.replicas?.[version];
  }

  async describe(): Promise<string> {
    return `scripted mesh at ${this.#weight}% v2`;
  }
}
