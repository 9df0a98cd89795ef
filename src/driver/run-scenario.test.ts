import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadScenario } from '../scenarios/load.ts';
import type { AppliedScenario, CollectedLogs, Driver } from './driver.ts';
import { skipReasonForModes } from './driver.ts';
import { runScenario, ScenarioFailure } from './run-scenario.ts';

const scenario = { ...loadScenario(join(import.meta.dirname, '..', '..', 'scenarios', 'all-v1')), name: 'all-to-v1' };

function recordingDriver(overrides: Partial<Driver> = {}): { driver: Driver; calls: string[] } {
  const calls: string[] = [];
  const logs: CollectedLogs = { since: new Date(0), until: new Date(1), clients: { default: ['x'] }, servers: {} };
  const driver: Driver = {
    name: 'kind',
    skipReason: (s) => skipReasonForModes('kind', s),
    up: async () => {
      calls.push('up');
    },
    apply: async (): Promise<AppliedScenario> => {
      calls.push('apply');
      return { appliedAt: new Date(1000) };
    },
    waitForRouting: async () => {
      calls.push('wait');
    },
    collect: async (_s, since) => {
      calls.push(`collect@${since.getTime()}`);
      return logs;
    },
    diagnose: async () => {
      calls.push('diagnose');
      return 'pods: none';
    },
    cleanup: async () => {
      calls.push('cleanup');
    },
    down: async () => {
      calls.push('down');
    },
    ...overrides,
  };
  return { driver, calls };
}

describe('runScenario', () => {
  it('applies, waits, samples, collects from the time routing took effect, verifies, cleans up', async () => {
    const { driver, calls } = recordingDriver();
    const slept: number[] = [];
    const run = await runScenario({
      driver,
      scenario,
      sampleMs: 5000,
      sleep: async (ms) => {
        slept.push(ms);
      },
      now: () => new Date(4242),
      verify: () => ({ passed: true, report: 'ok' }),
    });
    expect(calls).toEqual(['apply', 'wait', 'collect@4242', 'cleanup']);
    expect(slept).toEqual([5000]);
    expect(run.outcome.report).toBe('ok');
  });

  it('attaches diagnostics and still cleans up when verification fails', async () => {
    const { driver, calls } = recordingDriver();
    const error = await runScenario({
      driver,
      scenario,
      sampleMs: 0,
      sleep: async () => {},
      verify: () => ({ passed: false, report: 'v2 share 0.31, expected 0.10' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioFailure);
    expect((error as ScenarioFailure).message).toContain('v2 share 0.31');
    expect((error as ScenarioFailure).diagnostics).toBe('pods: none');
    expect(calls).toEqual(['apply', 'wait', 'collect@' + String((calls[2] ?? '').split('@')[1]), 'diagnose', 'cleanup']);
  });

  it('diagnoses and cleans up when waiting for routing times out', async () => {
    const { driver, calls } = recordingDriver({
      waitForRouting: async () => {
        throw new Error('routing not in effect after 60 s');
      },
    });
    await expect(runScenario({ driver, scenario, sampleMs: 0, verify: () => ({ passed: true, report: '' }) })).rejects.toThrow(
      /routing not in effect after 60 s[\s\S]*pods: none/,
    );
    expect(calls).toEqual(['apply', 'diagnose', 'cleanup']);
  });

  it('refuses a scenario whose modes exclude the driver', async () => {
    const { driver, calls } = recordingDriver();
    await expect(
      runScenario({
        driver,
        scenario: { ...scenario, modes: ['local'] },
        sampleMs: 0,
        verify: () => ({ passed: true, report: '' }),
      }),
    ).rejects.toThrow("does not list mode 'cluster'");
    expect(calls).toEqual([]);
  });
});
