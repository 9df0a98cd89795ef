// Calls SayHello at a configured rate with a fixed number of calls in flight. Errors are logged
// and never stop the loop; while the server is unreachable each worker backs off (100 ms up to
// 1 s), so the client resumes within about a second of the server's return.
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GreeterClient } from './generated/api/Greeter.ts';
import type { User__Output } from './generated/api/User.ts';

export interface CallLoopOptions {
  name: string;
  metadata: Record<string, string>;
  rate: number;
  concurrency: number;
  deadlineMs: number;
  /** Stop after this many calls; 0 = until stop(). */
  count: number;
}

/** `seq`: the call's number in issue order, from 1. */
export type CallOutcome =
  | { ok: true; user: User__Output; latencyMs: number; seq: number }
  | { ok: false; code: grpc.status; details: string; latencyMs: number; seq: number };

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 1000;

export class CallLoop {
  private stopped = false;
  private issued = 0;
  private nextSlot = 0;
  private workers: Promise<void>[] = [];
  private readonly metadata: grpc.Metadata;
  private readonly client: GreeterClient;
  private readonly opts: CallLoopOptions;
  private readonly onOutcome: (outcome: CallOutcome) => void;

  constructor(client: GreeterClient, opts: CallLoopOptions, onOutcome: (outcome: CallOutcome) => void) {
    this.client = client;
    this.opts = opts;
    this.onOutcome = onOutcome;
    this.metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(opts.metadata)) this.metadata.set(key, value);
  }

  /** Starts the workers; the promise settles when the loop has stopped (count reached or stop()). */
  run(): Promise<void> {
    this.nextSlot = performance.now();
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.worker());
    return Promise.all(this.workers).then(() => undefined);
  }

  /** Stops issuing calls; resolves when the calls in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  /** The next call's seq, or 0 when the loop is done. Slots are reserved in the same order,
   * so calls start in seq order. */
  private takeTurn(): number {
    if (this.stopped) return 0;
    if (this.opts.count > 0 && this.issued >= this.opts.count) return 0;
    return ++this.issued;
  }

  /** Milliseconds to wait for this call's slot under the global rate. */
  private reserveSlot(): number {
    if (this.opts.rate <= 0) return 0;
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.opts.rate;
    return slot - now;
  }

  private async worker(): Promise<void> {
    let backoff = 0;
    for (let seq = this.takeTurn(); seq > 0; seq = this.takeTurn()) {
      const wait = this.reserveSlot();
      if (wait > 0) await sleep(wait);
      const outcome = await this.callOnce(seq);
      this.onOutcome(outcome);
      if (!outcome.ok && outcome.code === grpc.status.UNAVAILABLE && !this.channelReady()) {
        backoff = Math.min(BACKOFF_MAX_MS, backoff === 0 ? BACKOFF_MIN_MS : backoff * 2);
        await this.sleepUnlessStopped(backoff);
      } else {
        backoff = 0;
      }
    }
  }

  /** An UNAVAILABLE from a connected channel is the server's answer (a fault): no backoff. */
  private channelReady(): boolean {
    return this.client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
  }

  private async sleepUnlessStopped(ms: number): Promise<void> {
    const step = 50;
    for (let waited = 0; waited < ms && !this.stopped; waited += step) await sleep(Math.min(step, ms - waited));
  }

  private callOnce(seq: number): Promise<CallOutcome> {
    const started = performance.now();
    return new Promise((resolve) => {
      this.client.SayHello(
        { name: this.opts.name },
        this.metadata,
        { deadline: Date.now() + this.opts.deadlineMs },
        (err, user) => {
          const latencyMs = performance.now() - started;
          if (err || !user) {
            resolve({ ok: false, code: err?.code ?? grpc.status.UNKNOWN, details: err?.details ?? 'empty response', latencyMs, seq });
          } else {
            resolve({ ok: true, user, latencyMs, seq });
          }
        },
      );
    });
  }
}

/** Channel options: fast reconnects (the demo restarts servers) and, for DNS targets, a
 * per-call round robin over every address the name resolves to (pick_first would pin one). */
export function channelOptions(target: string): grpc.ChannelOptions {
  const options: grpc.ChannelOptions = {
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1000,
  };
  if (target.startsWith('dns:')) {
    options['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
  }
  return options;
}
