// Map a loaded scenario (src/scenarios, the single reader of scenarios/<name>/) onto what a
// driver needs, so drivers never parse expect.yaml themselves.
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import type { DriverScenario } from './driver.ts';

export function toDriverScenario(scenario: Scenario): DriverScenario {
  return {
    name: scenario.name,
    dir: scenario.dir,
    modes: [...scenario.modes],
    servers: scenario.expect.servers.map((s) => ({
      version: s.version,
      id: s.id,
      replicas: s.replicas,
      delayMs: s.delayMs,
      failRate: s.failRate,
    })),
    clients: scenario.expect.clients.map((c) => ({
      identity: c.identity,
      headers: { ...c.headers },
      via: c.via,
      rate: c.rate,
      concurrency: c.concurrency,
      deadlineMs: c.deadlineMs,
    })),
  };
}

export function loadDriverScenario(dir: string): DriverScenario {
  return toDriverScenario(loadScenario(dir));
}
