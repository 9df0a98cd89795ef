// The promotion as the dashboard reads it (PromotionLive), fed by a promotion on a scripted mesh:
// where it is at each event, the evidence of every step, and the switches it refuses.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DashboardModel } from '../dashboard/state.ts';
import { checkPromoteConfig } from './config.ts';
import { PromotionLive } from './live.ts';
import { runPromotion } from './promote.ts';
import { preparePromotion } from './session.ts';
import { ScriptedMesh } from './testing/scripted-mesh.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');

function prepared(name: string) {
  const p = preparePromotion(join(SCENARIOS, name), { outDir: mkdtempSync(join(tmpdir(), 'canarykit-live-')) });
  return { ...p, config: checkPromoteConfig({}, 'test') };
}

describe('PromotionLive', () => {
  it('follows a promotion of a good v2 from starting to promoted, with every step and gate', async () => {
    const p = prepared('promote-good');
    const live = new PromotionLive(p, 'local');
    const seen: string[] = [];
    const inner: string[] = [];
    live.onChange(() => seen.push(`${live.promotion().state} ${live.promotion().inForce?.weight ?? '-'}`));
    expect(live.promotion()).toMatchObject({ state: 'starting', inForce: null, steps: [], result: null, schedule: [5, 10, 25, 50, 100] });
    live.started();
    let gathered = 0;
    const result = await runPromotion({
      port: new ScriptedMesh(),
      config: p.config,
      steps: p.steps,
      servers: p.scenario.expect.servers,
      events: live.events({
        applied: (s) => inner.push(`applied ${s.weight}`),
        progress: () => {
          gathered++;
          // While a step gathers: its weight, calls so far of those planned, and the client's lines for the bars.
          const view = live.promotion();
          expect(view.gathering).toMatchObject({ weight: view.inForce!.weight });
          expect(view.gathering!.planned).toBeGreaterThan(0);
          expect(live.activeClients()[0]!.lines.length).toBeGreaterThan(0);
        },
      }),
    });
    live.finish(result);
    // The command's own events still run, after the view's.
    expect(inner).toEqual(['applied 0', 'applied 5', 'applied 10', 'applied 25', 'applied 50', 'applied 100']);
    expect(gathered).toBeGreaterThanOrEqual(4);
    expect(seen[0]).toBe('running -');
    expect(seen.at(-1)).toBe('promoted 100');
    const view = live.promotion();
    expect(view).toMatchObject({ state: 'promoted', gathering: null, inForce: { weight: 100 }, result: { result: 'promoted', finalWeight: 100 } });
    expect(view.steps.map((s) => `${s.weight}: ${s.gates.map((g) => `${g.gate} ${g.verdict}`).join(', ')}`)).toEqual([
      '5: split pass, error pass, latency pass',
      '10: split pass, error pass, latency pass',
      '25: split pass, error pass, latency pass',
      '50: split pass, error pass, latency pass',
    ]);
    expect(live.history.map((h) => h.name)).toEqual(['0% v2', '5% v2', '10% v2', '25% v2', '50% v2', '100% v2']);
    expect(live.current?.name).toMatch(/^step-5-v2-100pct$/);
  });

  it('shows a rollback with the failing gate, and the dashboard state carries it', async () => {
    const p = prepared('promote-flaky');
    const live = new PromotionLive(p, 'kind');
    live.started();
    const result = await runPromotion({
      port: new ScriptedMesh({ v2: { failRate: 0.2, latencyMs: 2 } }),
      config: p.config,
      steps: p.steps,
      servers: p.scenario.expect.servers,
      events: live.events(),
    });
    live.finish(result);
    const state = new DashboardModel(live).state();
    expect(state.promotion).toMatchObject({ driver: 'kind', state: 'rolled-back', inForce: { weight: 0 }, result: { gate: 'error', failedWeight: 5 } });
    expect(state.promotion!.steps).toHaveLength(1);
    expect(state.promotion!.steps[0]!.gates.find((g) => g.gate === 'error')).toMatchObject({ verdict: 'fail' });
    // The calls of the failed step stay on the timeline after the rollback.
    expect(state.timeline.clients.map((c) => c.identity)).toEqual(['default']);
    expect(state.scenarios).toEqual([]);
  });

  it('refuses switches and verifies: the promotion owns the routing', async () => {
    const live = new PromotionLive(prepared('promote-good'), 'local');
    expect(await live.switchTo('cutover-0-100')).toEqual({ ok: false, message: expect.stringMatching(/a promotion of promote-good owns the routing/) });
    expect(await live.verify()).toBeUndefined();
    expect(live.locked).toMatch(/Ctrl-C at its terminal rolls back to 0% v2/);
  });

  it('says why a promotion that could not run failed', () => {
    const live = new PromotionLive(prepared('promote-good'), 'kind');
    live.fail("no kind cluster named 'canarykit'");
    expect(live.promotion()).toMatchObject({ state: 'failed', result: { result: 'failed', reason: "no kind cluster named 'canarykit'" } });
  });
});
