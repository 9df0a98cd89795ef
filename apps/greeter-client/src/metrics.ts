// Prometheus metrics and the express server: /healthz, /metrics, /stats (JSON) and a live page
// of the version split at /.
import express from 'express';
import type { Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import * as grpc from '@grpc/grpc-js';
import type { CallOutcome } from './call-loop.ts';

const RECENT = 200;

export class ClientMetrics {
  readonly registry = new Registry();
  private readonly responses = new Counter({
    name: 'greeter_client_responses_total',
    help: 'Responses received, by the version of the server that answered.',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'greeter_client_errors_total',
    help: 'Failed calls, by gRPC status code name.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'greeter_client_call_duration_seconds',
    help: 'Duration of SayHello calls, successful or not.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Plain counts for /stats and the live page. */
  readonly byVersion = new Map<string, number>();
  readonly byError = new Map<string, number>();
  /** The outcomes of the last RECENT calls (a version or an error code), oldest first: the live
   * page shows these, so a routing change shows within seconds instead of being averaged away. */
  readonly recent: string[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  record(outcome: CallOutcome): void {
    this.latency.observe(outcome.latencyMs / 1000);
    let key: string;
    if (outcome.ok) {
      key = outcome.user.id;
      this.responses.inc({ version: key });
      this.byVersion.set(key, (this.byVersion.get(key) ?? 0) + 1);
    } else {
      key = grpc.status[outcome.code] ?? String(outcome.code);
      this.errors.inc({ code: key });
      this.byError.set(key, (this.byError.get(key) ?? 0) + 1);
    }
    this.recent.push(key);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** Counts of the last RECENT calls by outcome. */
  recentCounts(): Record<string, number> {
    // No prototype: a server answering id "__proto__" must count as a version, not reach Object.prototype.
    const counts: Record<string, number> = Object.create(null);
    for (const key of this.recent) counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }
}

// The live page shows data it did not write: versions and error codes come from servers (a server
// can answer any `id`), the target from the config. So the page never builds HTML from data: rows
// are DOM elements filled with textContent, and a Content-Security-Policy allows only the page's
// own script and style files (no inline script, no other origin), so even a bug that let markup in
// could not run script.
const LIVE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>greeter-client: version split</title>
<link rel="stylesheet" href="live.css"></head>
<body><h1>Which version answers?</h1><p id="total"></p><div id="rows"></div><p id="since"></p>
<script src="live.js"></script></body></html>`;

const LIVE_CSS = `body{font:16px system-ui,sans-serif;margin:2em;max-width:48em}.row{display:flex;align-items:center;margin:.3em 0}
.label{width:10em;overflow-wrap:anywhere}.bar{height:1.4em;background:#3b82f6;margin-right:.5em}.err .bar{background:#ef4444}
`;

const LIVE_JS = `'use strict';
function text(tag, className, value) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = value;
  return el;
}
async function tick() {
  const s = await (await fetch('stats')).json();
  const err = new Set(Object.keys(s.errors));
  const all = Object.entries(s.recent).sort();
  const n = all.reduce((a, [, v]) => a + v, 0) || 1;
  const total = Object.values(s.versions).concat(Object.values(s.errors)).reduce((a, v) => a + v, 0);
  document.getElementById('total').textContent = 'last ' + n + ' calls to ' + s.target;
  const rows = all.map(([k, v]) => {
    const row = text('div', err.has(k) ? 'row err' : 'row', '');
    const bar = text('span', 'bar', '');
    bar.style.width = (v * 30 / n) + 'em';
    row.append(text('span', 'label', k), bar, (100 * v / n).toFixed(1) + '%');
    return row;
  });
  document.getElementById('rows').replaceChildren(...rows);
  document.getElementById('since').textContent = total + ' calls since the client started';
}
tick();
setInterval(tick, 1000);
`;

/** Every response of the HTTP server carries these. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function startHttp(metrics: ClientMetrics, port: number, host: string, target: string): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/stats', (_req, res) => {
    res.json({ target, versions: Object.fromEntries(metrics.byVersion), errors: Object.fromEntries(metrics.byError), recent: metrics.recentCounts() });
  });
  app.get('/', (_req, res) => {
    res.type('html').send(LIVE_PAGE);
  });
  app.get('/live.js', (_req, res) => {
    res.type('text/javascript').send(LIVE_JS);
  });
  app.get('/live.css', (_req, res) => {
    res.type('text/css').send(LIVE_CSS);
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
