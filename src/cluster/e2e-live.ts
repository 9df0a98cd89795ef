// `canarykit cluster e2e --dashboard` (make e2e DASHBOARD=1): the mesh dashboard of `play`, fed by a
// run on kind + Istio. Each scenario shows once its routing is in effect: its YAML, each client's
// split read live from its pods' logs (src/cluster/client-logs.ts), the timeline with the scenario
// switches, and its verdict, the very one the run prints. A promotion scenario shows its steps and
// gates (src/promote/live.ts).
//
// The routing belongs to the run: the page's switch and verify are refused, saying so.
import { ChangeListeners, clientStatuses, type ClientStatus, type PlayVerdict, type SwitchResult } from '../cli/play-session.ts';
import type { DashboardSource, PromotionView } from '../dashboard/state.ts';
import type { LocalDriver } from '../local/local-driver.ts';
import type { PromotionLive } from '../promote/live.ts';
import type { Scenario } from '../scenarios/load.ts';
import type { VerifyResult } from '../verify/check.ts';
import type { ClientLogStreams } from './client-logs.ts';

export class ClusterRunLive implements DashboardSource {
  readonly locked = 'make e2e owns the routing: it applies each cluster scenario in turn (this page follows it); Ctrl-C at its terminal stops it';
  readonly #streams: Pick<ClientLogStreams, 'follow' | 'clients'>;
  #current: Scenario | undefined;
  #since = new Date();
  #history: Array<{ name: string; at: Date }> = [];
  #verdict: PlayVerdict | undefined;
  #promotion: PromotionLive | undefined;
  readonly #listeners = new ChangeListeners();

  constructor(streams: Pick<ClientLogStreams, 'follow' | 'clients'>) {
    this.#streams = streams;
  }

  /** The scenario's routing is in effect from `since`: show it, and follow its clients' pods. */
  routing(scenario: Scenario, since: Date): void {
    this.#current = scenario;
    this.#since = since;
    this.#promotion = undefined;
    this.#history.push({ name: scenario.name, at: since });
    if (this.#history.length > 100) this.#history.shift();
    this.#streams.follow(
      scenario.clients.map((c) => c.identity),
      since,
    );
    this.#listeners.emit('switch');
  }

  /**
   * The run removed the scenario's routing (its cleanup): no rules are in force, so the page shows
   * no scenario; its clients stay followed, and the timeline marks the change.
   */
  cleanedUp(scenario: Scenario, at = new Date()): void {
    if (this.#current !== scenario) return;
    this.#current = undefined;
    this.#promotion = undefined;
    this.#since = at;
    this.#history.push({ name: `${scenario.name} removed: no rules`, at });
    this.#listeners.emit('switch');
  }

  /** The verdict the run reached for the scenario in force. */
  verdict(scenario: Scenario, result: VerifyResult): void {
    this.#verdict = { scenario: scenario.name, at: new Date(), result };
    this.#listeners.emit('verify');
  }

  /** A promotion scenario: the page shows its steps and gates, and its client's lines. */
  promoting(scenario: Scenario, live: PromotionLive): void {
    this.#current = scenario;
    this.#since = new Date();
    this.#promotion = live;
    this.#history.push({ name: scenario.name, at: this.#since });
    this.#streams.follow([], this.#since);
    live.onChange(() => this.#listeners.emit('switch'));
    this.#listeners.emit('switch');
  }

  promotion(): PromotionView | undefined {
    return this.#promotion?.promotion();
  }

  get current(): Scenario | undefined {
    return this.#promotion?.current ?? this.#current;
  }

  get since(): Date {
    return this.#promotion?.current ? this.#promotion.since : this.#since;
  }

  /** Nothing to switch to: the run decides the order. */
  get catalogue(): { runnable: Scenario[]; clusterOnly: string[] } {
    return { runnable: [], clusterOnly: [] };
  }

  get history(): ReadonlyArray<{ name: string; at: Date }> {
    return this.#promotion ? [...this.#history, ...this.#promotion.history] : this.#history;
  }

  get lastVerdict(): PlayVerdict | undefined {
    return this.#verdict;
  }

  get verifying(): undefined {
    return undefined;
  }

  activeClients(): ReturnType<LocalDriver['activeClients']> {
    return this.#promotion ? this.#promotion.activeClients() : this.#streams.clients();
  }

  status(): ClientStatus[] {
    const current = this.current;
    return current ? clientStatuses(this.activeClients(), this.since, current.expect.servers) : [];
  }

  async switchTo(_name: string): Promise<SwitchResult> {
    return { ok: false, message: this.locked };
  }

  async verify(): Promise<VerifyResult | undefined> {
    return undefined;
  }

  onChange(listener: (event: 'switch' | 'verify') => void): () => void {
    return this.#listeners.add(listener);
  }
}
