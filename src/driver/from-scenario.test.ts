import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDriverScenario } from './from-scenario.ts';

const fixtures = join(import.meta.dirname, '../cluster/testdata/scenarios');

describe('loadDriverScenario', () => {
  it('maps expect.yaml servers and clients (with the loader defaults) onto the driver scenario', () => {
    expect(loadDriverScenario(join(fixtures, 'ingress-70-30'))).toEqual({
      name: 'ingress-70-30',
      dir: join(fixtures, 'ingress-70-30'),
      modes: ['cluster'],
      servers: [
        { version: 'v1', id: undefined, replicas: 2, delayMs: 0, failRate: 0 },
        { version: 'v2', id: undefined, replicas: 1, delayMs: 5, failRate: 0 },
      ],
      clients: [
        { identity: 'ingress', headers: {}, via: 'ingress', rate: undefined, concurrency: 1, deadlineMs: 5000 },
        { identity: 'default', headers: {}, via: 'mesh', rate: 40, concurrency: 2, deadlineMs: 5000 },
      ],
    });
  });

  it('keeps the identity headers', () => {
    expect(loadDriverScenario(join(fixtures, 'header-user-admin')).clients.map((c) => [c.identity, c.headers]))
      .toEqual([['default', {}], ['admin', { user: 'admin' }]]);
  });
});
