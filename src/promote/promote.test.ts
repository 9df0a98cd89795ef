import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { checkPromoteConfig, type PromoteConfig } from './config.ts';
import { runPromotion, type PromoteOptions } from './promote.ts';
import { formatPromotion, promotionJson } from './report.ts';
import { writeStepFolders, type StepFolder } from './step-files.ts';
import { ScriptedMesh, type ScriptedMeshOptions } from './testing/scripted-mesh.ts';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scenarios', 'promote-good');
const SERVERS = [{ version: 'v1' }, { version: 'v2' }];

let steps: StepFolder[];
let config: PromoteConfig;
beforeAll(() => {
  config = checkPromoteConfig({}, 'test');
  steps = writeStepFolders(loadScenario(SCENARIO), config.schedule, mkdtempSync(join(tmpdir(), 'canarykit-promote-')));
});

function promote(mesh: ScriptedMesh, extra: Partial<PromoteOptions> = {}) {
  return runPromotion({ port: mesh, config, steps, servers: SERVERS, ...extra });
}

const mesh = (o: ScriptedMeshOptions = {}) => new ScriptedMesh(o);

describe('runPromotion on a scripted mesh', () => {
  it('promotes a good v2 step by step to 100%, every gate passing with its planned calls', async () => {
    const m = mesh();
    const r = await promote(m);
    expect(r.result).toBe('promoted');
    expect(m.applied).toEqual([0, 5, 10, 25, 50, 100]);
    expect(r.finalWeight).toBe(100);
    expect(r.finalStep).toMatch(/step-5-v2-100pct$/);
    const gated = r.steps.filter((s) => s.weight < 100);
    expect(gated.map((s) => s.gates.map((g) => `${g.gate} ${g.verdict}`))).toEqual(Array(4).fill(['split pass', 'error pass', 'latency pass']));
    for (const s of gated) for (const g of s.gates) expect(g.n).toBeGreaterThanOrEqual(g.planned);
    expect(formatPromotion('promote-good', r, config)).toMatch(/^PROMOTED promote-good[\s\S]*routing in force: 100% v2, 0% v1/);
  });

  it('rolls a flaky v2 back to 0% at the first step, with the error gate as the reason', async () => {
    const m = mesh({ v2: { failRate: 0.2, latencyMs: 2 } });
    const r = await promote(m);
    expect(r).toMatchObject({ result: 'rolled-back', gate: 'error', failedWeight: 5, finalWeight: 0 });
    expect(m.applied).toEqual([0, 5, 0]);
    expect(r.reason).toMatch(/^error gate at 5% v2: v2 fails more often than v1: \d+\/\d+ \(\d+\.\d%\) against 0\/\d+/);
    const report = formatPromotion('promote-flaky', r, config);
    expect(report).toMatch(/^ROLLED BACK promote-flaky/);
    expect(report).toMatch(/1 +5% +error .* FAIL/);
    expect(report).toMatch(/routing in force: 0% v2, 100% v1 \(kubectl apply -f .*step-0-v2-0pct\)/);
    expect(report).toMatch(/1 +5% +latency +- +- +not decided: the step stopped at the first failing gate/);
    const json = JSON.parse(JSON.stringify(promotionJson('promote-flaky', r, config)));
    expect(json).toMatchObject({ scenario: 'promote-flaky', result: 'rolled-back', gate: 'error', failedWeight: 5, finalWeight: 0 });
    expect(json.steps[0].gates.map((g: { gate: string; verdict: string }) => `${g.gate} ${g.verdict}`)).toEqual(['split pass', 'error fail']);
  });

  it('rolls a slow v2 back with the latency gate', async () => {
    const r = await promote(mesh({ v2: { failRate: 0, latencyMs: 100 } }));
    expect(r).toMatchObject({ result: 'rolled-back', gate: 'latency', failedWeight: 5, finalWeight: 0 });
    expect(r.reason).toMatch(/v2's p99 is above 20\.0 ms \(2 × v1's p99 [\d.]+ ms, taken as 10\.0 ms\)/);
  });

  it('rolls back when the mesh does not route as the weight says', async () => {
    const r = await promote(mesh({ shareOf: (w) => (w === 10 ? 0.25 : w / 100) }));
    expect(r).toMatchObject({ result: 'rolled-back', gate: 'split', failedWeight: 10, finalWeight: 0 });
    expect(r.reason).toMatch(/the mesh does not route as the weight says/);
  });

  it('counts failures that name no version against v2, and says so', async () => {
    const r = await promote(mesh({ v2: { failRate: 0.2, latencyMs: 2, anonymousFailures: true } }));
    expect(r).toMatchObject({ result: 'rolled-back', gate: 'error', failedWeight: 5 });
    expect(r.reason).toMatch(/failures without a version counted as v2's/);
  });

  it('refuses to start when v2 has no processes or pods, and changes no routing', async () => {
    const m = mesh({ replicas: { v1: 1, v2: 0 } });
    const r = await promote(m);
    expect(r.result).toBe('refused');
    expect(m.applied).toEqual([]);
    expect(r.reason).toMatch(/v2 has no running processes or pods: start v2 .* routing was not changed/);
    expect(formatPromotion('x', r, config)).toMatch(/routing in force: unchanged \(nothing was applied\)/);
  });

  it('Ctrl-C while a step gathers calls: rolls back to 0% and says at which weight it stopped', async () => {
    const controller = new AbortController();
    const m = mesh({ onPoll: (weight) => weight === 25 && controller.abort() });
    const r = await promote(m, { signal: controller.signal });
    expect(r.result).toBe('interrupted');
    expect(m.applied).toEqual([0, 5, 10, 25, 0]);
    expect(r.finalWeight).toBe(0);
    expect(r.reason).toBe('interrupted at 25% v2; rolled back to 0% v2 (a promotion that did not finish is not trusted)');
  });

  it('Ctrl-C during an apply: the apply completes (never half), then 0% is applied', async () => {
    const controller = new AbortController();
    const m = mesh({
      beforeApply: async (step) => {
        if (step.weight !== 50) return;
        controller.abort();
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    const r = await promote(m, { signal: controller.signal });
    expect(m.applied).toEqual([0, 5, 10, 25, 50, 0]);
    expect(r).toMatchObject({ result: 'interrupted', finalWeight: 0 });
    expect(r.reason).toMatch(/^interrupted at 50% v2/);
  });

  it('Ctrl-C before the first step changes no routing', async () => {
    const controller = new AbortController();
    controller.abort();
    const m = mesh();
    const r = await promote(m, { signal: controller.signal });
    expect(m.applied).toEqual([]);
    expect(r).toMatchObject({ result: 'interrupted', reason: 'interrupted before any step was applied; routing was not changed' });
    expect(formatPromotion('x', r, config)).toMatch(/routing in force: unchanged \(nothing was applied\)/);
  });

  it('a step the mesh refuses leaves the routing at 0% and says why', async () => {
    const m = mesh({
      beforeApply: (step) => {
        if (step.weight === 10) throw new Error('NACK: bad weights');
      },
    });
    const r = await promote(m);
    expect(m.applied).toEqual([0, 5, 0]);
    expect(r).toMatchObject({ result: 'rolled-back', finalWeight: 0 });
    expect(r.reason).toMatch(/the mesh failed: NACK: bad weights/);
  });

  it('a step that cannot gather its planned calls in time rolls back for want of evidence', async () => {
    let clock = 0;
    const m = mesh({ callsPerPoll: 10 });
    const r = await promote(m, { now: () => (clock += 10_000) });
    expect(r).toMatchObject({ result: 'rolled-back', gate: 'evidence', failedWeight: 5, finalWeight: 0 });
    expect(m.applied).toEqual([0, 5, 0]);
    expect(r.reason).toMatch(/did not gather its planned calls within 120 s/);
    expect(r.diagnostics).toBe('scripted mesh at 0% v2');
  });
});
