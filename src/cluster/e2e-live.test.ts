// ClusterRunLive: what the dashboard of `make e2e DASHBOARD=1` shows as the run goes, with the
// clients' log follows replaced by a recording stand-in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DashboardModel } from '../dashboard/state.ts';
import { PromotionLive } from '../promote/live.ts';
import { preparePromotion } from '../promote/session.ts';
import { loadScenario } from '../scenarios/load.ts';
import { verifyLogs } from '../verify/check.ts';
import { ClusterRunLive } from './e2e-live.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');

/** A client line as the greeter client logs it, for a call that started at `ms`. */
const line = (ms: number, id: string, seq: number) =>
  `${new Date(ms + 2).toISOString()} INFO call server response = name:"Hello laurence" id:"${id}" latency_ms:2 seq:${seq}`;

function recordingStreams() {
  const follows: Array<{ identities: readonly string[]; since: Date }> = [];
  const lines = new Map<string, string[]>();
  return {
    follows,
    lines,
    follow(identities: readonly string[], since: Date) {
      follows.push({ identities, since });
      lines.clear();
      for (const id of identities) lines.set(id, []);
    },
    clients() {
      return [...lines].map(([identity, l]) => ({ identity, httpPort: 0, pid: undefined, lines: l, running: true, tail: '' }));
    },
  };
}

describe('ClusterRunLive', () => {
  it("shows each scenario once its routing is in effect, its clients' split from their pods' lines, and its verdict", () => {
    const streams = recordingStreams();
    const live = new ClusterRunLive(streams);
    const model = new DashboardModel(live);
    expect(model.state()).toMatchObject({ scenario: null, clients: [], locked: expect.stringMatching(/make e2e owns the routing/) });

    const scenario = loadScenario(join(SCENARIOS, 'header-user-admin'));
    const since = new Date();
    live.routing(scenario, since);
    expect(streams.follows).toEqual([{ identities: scenario.clients.map((c) => c.identity), since }]);
    const t = since.getTime() + 10;
    streams.lines.get('admin')!.push(line(t, 'v2.0.0', 1), line(t + 1, 'v2.0.0', 2));
    streams.lines.get('default')!.push(line(t, 'v1.0.0', 1), line(t + 1, 'v1.0.0', 2), line(t + 2, 'v2.0.0', 3));
    const state = model.state();
    expect(state.scenario?.name).toBe('header-user-admin');
    expect(state.clients.map((c) => [c.identity, c.total])).toEqual([
      ['default', 3],
      ['admin', 2],
    ]);
    expect(state.timeline.switches.map((s) => s.name)).toEqual(['header-user-admin']);

    const result = verifyLogs(scenario.expect, { clients: Object.fromEntries(streams.lines) }, 'cluster');
    live.verdict(scenario, result);
    expect(model.state().verdict).toMatchObject({ scenario: 'header-user-admin', passed: result.passed });

    // The run removes the scenario's routing: no scenario is in force any more, the verdict stays.
    live.cleanedUp(scenario);
    const after = model.state();
    expect(after.scenario).toBeNull();
    expect(after.clients).toEqual([]);
    expect(after.verdict?.scenario).toBe('header-user-admin');
    expect(after.timeline.switches.map((s) => s.name)).toEqual(['header-user-admin', 'header-user-admin removed: no rules']);
  });

  it('shows a promotion scenario as its steps and gates', () => {
    const live = new ClusterRunLive(recordingStreams());
    const prepared = preparePromotion(join(SCENARIOS, 'promote-flaky'), { outDir: mkdtempSync(join(tmpdir(), 'canarykit-e2e-live-')) });
    const promotion = new PromotionLive(prepared, 'kind');
    live.promoting(prepared.scenario, promotion);
    promotion.started();
    const state = new DashboardModel(live).state();
    expect(state.scenario?.name).toBe('promote-flaky');
    expect(state.promotion).toMatchObject({ scenario: 'promote-flaky', driver: 'kind', state: 'running' });
  });

  it('refuses switches and verifies from the page: the run owns the routing', async () => {
    const live = new ClusterRunLive(recordingStreams());
    expect(await live.switchTo('all-v1')).toEqual({ ok: false, message: live.locked });
    expect(await live.verify()).toBeUndefined();
  });
});
