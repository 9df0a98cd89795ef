// The mesh dashboard's HTTP server, on loopback only: the page and its script (src/dashboard/page),
// uPlot from node_modules (nothing is fetched from another origin, at run time or ever), the state
// as JSON (/api/state) and as Server-Sent Events (/api/events, every second and at once after a
// switch or a verdict), and two actions: POST /api/switch {"scenario": name}, which goes through
// PlaySession.switchTo exactly as the play prompt does, and POST /api/verify.
//
// Hardening, since any web page the user opens could send requests to 127.0.0.1: the Host header
// must name this server (no DNS rebinding), actions must be JSON (a cross-origin JSON POST needs
// a CORS preflight this server never grants) from this origin, and a Content-Security-Policy
// allows only this server's own script, style and connections.
import { createRequire } from 'node:module';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { DashboardModel, type DashboardSource, type DashboardState } from './state.ts';

export const DEFAULT_DASHBOARD_PORT = 8070;
const HOST = '127.0.0.1';
const PAGE_DIR = join(import.meta.dirname, 'page');
const require = createRequire(import.meta.url);
const UPLOT_DIR = join(require.resolve('uplot/package.json'), '..', 'dist');

export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface AttachOptions {
  /** A line for the terminal about what the page did (a switch, a verify). */
  log?: (line: string) => void;
  /** How often the state is pushed to open pages, ms (default 1000). */
  intervalMs?: number;
}

export class Dashboard {
  readonly #server: Server;
  readonly port: number;
  #session: DashboardSource | undefined;
  #model: DashboardModel | undefined;
  #streams = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #log: (line: string) => void = () => {};

  private constructor(server: Server, port: number, app: express.Express) {
    this.#server = server;
    this.port = port;
    this.#routes(app);
  }

  get url(): string {
    return `http://${HOST}:${this.port}/`;
  }

  /** Listens on 127.0.0.1:port (0: any free port); the page says "starting" until attach(). */
  static async listen(opts: { port: number }): Promise<Dashboard> {
    const app = express();
    app.disable('x-powered-by');
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(opts.port, HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
    }).catch((err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.message;
      throw new Error(`the dashboard cannot listen on ${HOST}:${opts.port} (${why}): pass --dashboard-port with a free port, 0 for any, or --no-dashboard`);
    });
    return new Dashboard(server, (server.address() as AddressInfo).port, app);
  }

  /** Shows a play session (switch and verify act on it) or a promotion (they are refused: the promotion owns the routing). */
  attach(session: DashboardSource, opts: AttachOptions = {}): void {
    this.#session = session;
    this.#model = new DashboardModel(session);
    this.#log = opts.log ?? (() => {});
    this.#unsubscribe = session.onChange(() => this.#push());
    this.#timer = setInterval(() => this.#push(), opts.intervalMs ?? 1000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    for (const res of this.#streams) res.end();
    this.#streams.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  state(): DashboardState | undefined {
    return this.#model?.state();
  }

  #push(): void {
    if (this.#streams.size === 0 || !this.#model) return;
    const data = `event: state\ndata: ${JSON.stringify(this.#model.state())}\n\n`;
    for (const res of this.#streams) res.write(data);
  }

  #routes(app: express.Express): void {
    const hosts = new Set([`${HOST}:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`]);
    app.use((req: Request, res: Response, next: NextFunction) => {
      res.set(DASHBOARD_SECURITY_HEADERS);
      if (!hosts.has(req.headers.host ?? '')) {
        res
          .status(421)
          .type('text/plain')
          .send(`this dashboard answers to http://${HOST}:${this.port}/ only (Host: ${JSON.stringify(req.headers.host ?? '')} refused)\n`);
        return;
      }
      next();
    });
    const file = (name: string, dir: string, type: string) => (_req: Request, res: Response) => {
      res.type(type).sendFile(name, { root: dir, headers: DASHBOARD_SECURITY_HEADERS });
    };
    app.get('/', file('index.html', PAGE_DIR, 'html'));
    app.get('/dashboard.js', file('dashboard.js', PAGE_DIR, 'text/javascript'));
    app.get('/dashboard.css', file('dashboard.css', PAGE_DIR, 'text/css'));
    app.get('/vendor/uPlot.iife.min.js', file('uPlot.iife.min.js', UPLOT_DIR, 'text/javascript'));
    app.get('/vendor/uPlot.min.css', file('uPlot.min.css', UPLOT_DIR, 'text/css'));

    app.get('/api/state', (_req, res) => {
      const state = this.#model?.state();
      if (!state) return void res.status(503).json({ message: 'the mesh is starting; try again in a few seconds' });
      res.json(state);
    });
    app.get('/api/events', (req, res) => {
      res.writeHead(200, { ...DASHBOARD_SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      this.#streams.add(res);
      req.on('close', () => this.#streams.delete(res));
      if (this.#model) res.write(`event: state\ndata: ${JSON.stringify(this.#model.state())}\n\n`);
    });

    // Actions: JSON from this origin only.
    const action = (req: Request, res: Response, next: NextFunction) => {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) {
        return void res.status(403).json({ ok: false, message: `requests from ${origin} are refused: use the dashboard page itself` });
      }
      if (!req.is('application/json')) {
        return void res.status(415).json({ ok: false, message: 'send JSON (Content-Type: application/json), e.g. {"scenario": "weighted-90-10"}' });
      }
      if (!this.#session) return void res.status(503).json({ ok: false, message: 'the mesh is starting; try again in a few seconds' });
      if (this.#session.locked) return void res.status(409).json({ ok: false, message: this.#session.locked });
      next();
    };
    const json = express.json({ limit: '4kb' });
    app.post('/api/switch', action, json, async (req, res) => {
      const name = (req.body as { scenario?: unknown } | undefined)?.scenario;
      if (typeof name !== 'string' || name.trim() === '') {
        return void res.status(400).json({ ok: false, message: 'give the scenario to apply as {"scenario": "<name>"}, e.g. {"scenario": "weighted-90-10"}' });
      }
      const result = await this.#session!.switchTo(name);
      this.#log(result.message);
      res.status(result.ok ? 200 : 422).json({ ok: result.ok, message: result.message, ...(result.ok ? { scenario: result.scenario.name } : {}) });
    });
    app.post('/api/verify', action, json, (_req, res) => {
      const session = this.#session!;
      if (!session.current) return void res.status(409).json({ ok: false, message: 'nothing applied yet: switch to a scenario first' });
      if (session.verifying) return void res.status(409).json({ ok: false, message: `a verify of ${session.verifying} is already collecting calls` });
      const name = session.current.name;
      this.#log(`verify ${name}: collecting the calls its checks need...`);
      session.verify().then(
        (result) => this.#log(`verify ${name}: ${result?.passed ? 'PASS' : 'FAIL'}`),
        (err: Error) => this.#log(`verify ${name} failed: ${err.message}`),
      );
      res.status(202).json({ ok: true, message: `collecting the calls ${name}'s checks need; the verdict shows here when it is reached` });
    });
    // Malformed JSON and other errors: a sentence, never a stack trace.
    app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      const status = err.status ?? 500;
      const message = err.type === 'entity.parse.failed' ? `the body is not JSON (${err.message}); send {"scenario": "<name>"}` : err.message;
      res.status(status).json({ ok: false, message });
    });
  }
}
