import { describe, expect, it } from 'vitest';
import { keepServedClusters } from './control-plane.ts';
import type { XdsSnapshot } from './translate.ts';

const snap = (clusters: string[]): XdsSnapshot => ({
  listeners: new Map(),
  routeConfigurations: new Map(),
  clusters: new Map(clusters.map((c) => [c, { name: c, gen: 'old' }])),
  clusterLoadAssignments: new Map(clusters.map((c) => [c, { cluster_name: c }])),
  warnings: [],
});

describe('keepServedClusters (grpc-js-xds 1.14.1 never sees a deleted Cluster come back unchanged)', () => {
  it('keeps a cluster the new config dropped, with its load assignment', () => {
    const next = keepServedClusters(snap(['outbound|20000||greeter-server']), snap(['outbound|20000||greeter-server', 'outbound|20000|v1|greeter-server']));
    expect(new Set(next.clusters.keys())).toEqual(new Set(['outbound|20000||greeter-server', 'outbound|20000|v1|greeter-server']));
    expect(next.clusterLoadAssignments.has('outbound|20000|v1|greeter-server')).toBe(true);
  });

  it('never replaces what the new config defines', () => {
    const next = snap(['outbound|20000|v1|greeter-server']);
    next.clusters.set('outbound|20000|v1|greeter-server', { name: 'outbound|20000|v1|greeter-server', gen: 'new' });
    const merged = keepServedClusters(next, snap(['outbound|20000|v1|greeter-server']));
    expect(merged.clusters.get('outbound|20000|v1|greeter-server')).toMatchObject({ gen: 'new' });
  });
});
