// Writes the `kubectl logs --prefix --timestamps` fixtures next to this file. They are SYNTHETIC:
// no cluster has run on the machines that wrote them. The app lines come from the apps' own
// formatters (apps/greeter-client, apps/greeter-server); the `[pod/<name>/<container>] <RFC 3339
// nano time> ` prefix is kubectl's format; the outcomes are drawn with a seeded PRNG.
// Regenerate: node src/cluster/testdata/kubectl-logs/generate.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { responseLine } from '../../../../apps/greeter-client/src/call-log.ts';
import { formatLine as serverFormat } from '../../../../apps/greeter-server/src/logger.ts';
import { seededRandom } from '../../../verify/prng.ts';

/** The instant routing took effect in every fixture; kubectl was asked for --since-time=2026-11-22T01:40:44Z. */
export const SINCE = new Date('2026-11-22T01:40:44.500Z');
const FLOOR = new Date('2026-11-22T01:40:44.000Z');

interface Line {
  pod: string;
  container: string;
  at: Date;
  text: string;
}

const nano = (d: Date, random: () => number) =>
  d.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(Math.floor(random() * 1e6)).padStart(6, '0')}Z`);

function render(lines: Line[], random: () => number): string {
  // kubectl prints one pod after the other; within a pod, in time order.
  const pods = [...new Set(lines.map((l) => l.pod))];
  return (
    pods
      .flatMap((pod) =>
        lines
          .filter((l) => l.pod === pod)
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .map((l) => `[pod/${l.pod}/${l.container}] ${nano(new Date(l.at.getTime()), random)} ${l.text}`),
      )
      .join('\n') + '\n'
  );
}

interface Call {
  at: Date;
  version: 'v1' | 'v2';
  mirrored: boolean;
  headers?: string;
}

interface Fixture {
  name: string;
  /** One entry per client identity: client pod name and its calls. */
  clients: Record<string, { pod: string; calls: Call[] }>;
  /** Server pods per version. */
  servers: Record<string, string[]>;
  /** Write the server logs too (the fixtures that need them: mirroring, several pods). */
  serverLogs?: boolean;
}

function calls(random: () => number, from: Date, seconds: number, rate: number, pickV2: (i: number) => boolean, mirror = 0, headers?: string): Call[] {
  const out: Call[] = [];
  for (let i = 0; i < seconds * rate; i++) {
    const at = new Date(from.getTime() + Math.round((i * 1000) / rate + random() * 20));
    out.push({ at, version: pickV2(i) ? 'v2' : 'v1', mirrored: random() < mirror, headers });
  }
  return out;
}

function write(dir: string, fixture: Fixture, seed: number): void {
  const random = seededRandom(seed);
  mkdirSync(join(dir, fixture.name), { recursive: true });
  const serverLines: Record<string, Line[]> = Object.fromEntries(Object.keys(fixture.servers).map((v) => [v, []]));
  for (const [identity, client] of Object.entries(fixture.clients)) {
    const lines: Line[] = [];
    for (const [i, call] of client.calls.entries()) {
      const latency = 1 + Math.floor(random() * 4);
      const answeredAt = new Date(call.at.getTime() + latency);
      lines.push({
        pod: client.pod,
        container: 'client',
        at: answeredAt,
        text: responseLine('text', 'Hello laurence', `${call.version}.0.0`, latency, i + 1, answeredAt),
      });
      const handle = (version: string) => {
        const pods = fixture.servers[version]!;
        const pod = pods[Math.floor(random() * pods.length)]!;
        const at = new Date(call.at.getTime() + 1);
        const headers = [call.headers, 'x-forwarded-proto=http'].filter(Boolean).join(',');
        serverLines[version]!.push({
          pod,
          container: 'server',
          at,
          text: serverFormat('text', 'info', 'handled SayHello', { name: 'laurence', id: `${version}.0.0`, headers }, at),
        });
      };
      handle(call.version);
      if (call.mirrored) handle('v2');
    }
    writeFileSync(join(dir, fixture.name, `client-${identity}.log`), render(lines, random));
  }
  if (!fixture.serverLogs) return;
  for (const [version, lines] of Object.entries(serverLines)) {
    writeFileSync(join(dir, fixture.name, `server-${version}.log`), render(lines, random));
  }
}

const dir = import.meta.dirname;
const clientPod = (identity: string, suffix: string) => `greeter-client-${identity}-v1-${suffix}`;
// Half a second of the previous routing (50/50) between the --since-time floor and the real start:
// kubectl returns it, the collector must drop it.
const before = (random: () => number, headers?: string) => calls(random, FLOOR, 0.5, 20, (i) => i % 2 === 0, 0, headers);
const r = seededRandom(42);

write(
  dir,
  {
    name: 'weighted-90-10',
    clients: { default: { pod: clientPod('default', '6d5f8c7b9d-q7w2x'), calls: [...before(r), ...calls(r, SINCE, 25, 20, () => r() < 0.1)] } },
    servers: { v1: ['greeter-server-v1-5b8f9c6d4f-abcde'], v2: ['greeter-server-v2-7c4d8b5f6c-fghij'] },
  },
  1,
);

write(
  dir,
  {
    name: 'header-user-admin',
    clients: {
      default: { pod: clientPod('default', '6d5f8c7b9d-q7w2x'), calls: [...before(r), ...calls(r, SINCE, 10, 20, () => false)] },
      admin: { pod: clientPod('admin', '84b9d6c5f7-m3n4p'), calls: [...before(r, 'user=admin'), ...calls(r, SINCE, 10, 20, () => true, 0, 'user=admin')] },
    },
    servers: { v1: ['greeter-server-v1-5b8f9c6d4f-abcde'], v2: ['greeter-server-v2-7c4d8b5f6c-fghij'] },
  },
  2,
);

// The same, except that 3 admin calls after the apply reached v1: verification must fail.
write(
  dir,
  {
    name: 'header-user-admin-misrouted',
    clients: {
      default: { pod: clientPod('default', '6d5f8c7b9d-q7w2x'), calls: calls(r, SINCE, 10, 20, () => false) },
      admin: { pod: clientPod('admin', '84b9d6c5f7-m3n4p'), calls: calls(r, SINCE, 10, 20, (i) => ![20, 100, 180].includes(i), 0, 'user=admin') },
    },
    servers: { v1: ['greeter-server-v1-5b8f9c6d4f-abcde'], v2: ['greeter-server-v2-7c4d8b5f6c-fghij'] },
  },
  3,
);

// Mirroring: the client only sees v1; v2's own log has a copy of ~99% of the calls.
write(
  dir,
  {
    name: 'mirror-v2',
    serverLogs: true,
    clients: { default: { pod: clientPod('default', '6d5f8c7b9d-q7w2x'), calls: calls(r, SINCE, 25, 20, () => false, 0.99) } },
    servers: { v1: ['greeter-server-v1-5b8f9c6d4f-abcde'], v2: ['greeter-server-v2-7c4d8b5f6c-fghij'] },
  },
  4,
);

// Canary by replica count: three v1 pods and one v2 pod behind one Service.
write(
  dir,
  {
    name: 'replicas-canary',
    serverLogs: true,
    clients: { default: { pod: clientPod('default', '6d5f8c7b9d-q7w2x'), calls: calls(r, SINCE, 40, 20, () => r() < 0.25) } },
    servers: {
      v1: ['greeter-server-v1-5b8f9c6d4f-abcde', 'greeter-server-v1-5b8f9c6d4f-klmno', 'greeter-server-v1-5b8f9c6d4f-pqrst'],
      v2: ['greeter-server-v2-7c4d8b5f6c-fghij'],
    },
  },
  5,
);
