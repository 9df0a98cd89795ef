// The client's live page in a real browser (Debian's Chromium driven by playwright-core): it
// shows which version answers, and follows a change of server within seconds.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../scripts/docs/chromium.ts';
import { AppProcess } from '../../src/local/app-process.ts';
import { describeWithTool } from '../chart/tool-gate.ts';

const check = {
  tool: 'Chromium',
  missing: chromiumMissing,
  fix: 'apt-get install -y chromium',
};

describeWithTool(check, 'client live page in Chromium', () => {
  let browser: Browser;
  const procs: AppProcess[] = [];
  const start = async (kind: 'server' | 'client', env: Record<string, string>) => {
    const p = new AppProcess(kind, kind, env);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('shows the answering version, then the new one after the server changes', async () => {
    const v1 = await start('server', { GREETER_HOST: '127.0.0.1', GREETER_PORT: '0', GREETER_VERSION: 'v1.0.0', GREETER_SHUTDOWN_DRAIN_MS: '0' });
    const port = Number((await v1.waitFor(/listening address:"[^"]*:(\d+)"/))[1]);
    const client = await start('client', { GREETER_TARGET: `dns:///127.0.0.1:${port}`, GREETER_RATE: '100', GREETER_HTTP_PORT: '18977' });
    await client.waitFor(/call server response/);

    const page = await browser.newPage();
    await page.goto('http://127.0.0.1:18977/');
    await expect.poll(() => page.locator('#rows').innerText(), { timeout: 10_000 }).toMatch(/v1\.0\.0\s+100\.0%/);
    expect(await page.locator('#total').innerText()).toContain(`dns:///127.0.0.1:${port}`);

    // v1 goes, v2 takes its port: within the 200-call window the page shows v2 alone.
    await v1.stop();
    const v2 = await start('server', { GREETER_HOST: '127.0.0.1', GREETER_PORT: String(port), GREETER_VERSION: 'v2.0.0' });
    await v2.waitFor(/listening/);
    await expect.poll(() => page.locator('#rows').innerText(), { timeout: 15_000 }).toMatch(/v2\.0\.0\s+100\.0%/);
  }, 60_000);

  it('shows what a hostile server answers as text: no markup, no script, and a CSP that forbids inline script', async () => {
    // A server of the test's own answering ids that are markup (the kit's server refuses such versions).
    const hostile = ['<img src=x onerror="window.__xss=1">', '<script>window.__xss=2</script>', '__proto__'];
    const def = protoLoader.loadSync(join(import.meta.dirname, '..', '..', 'proto', 'greeter.proto'), { keepCase: true });
    const api = (grpc.loadPackageDefinition(def) as unknown as { api: { Greeter: { service: grpc.ServiceDefinition } } }).api;
    const server = new grpc.Server();
    let n = 0;
    server.addService(api.Greeter.service, {
      SayHello: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { name: 'Hello', id: hostile[n++ % hostile.length] }),
      SayHelloStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      const client = await start('client', { GREETER_TARGET: `dns:///127.0.0.1:${port}`, GREETER_RATE: '100', GREETER_HTTP_PORT: '18978' });
      await client.waitFor(/call server response/);
      const page = await browser.newPage();
      const response = await page.goto('http://127.0.0.1:18978/');
      expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      const labels = () => page.locator('#rows .label').allInnerTexts();
      await expect.poll(async () => (await labels()).sort(), { timeout: 10_000 }).toEqual([...hostile].sort());
      expect(await page.locator('#rows img, #rows script').count()).toBe(0);
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      // The CSP itself, in the browser: markup injected by any other path runs no inline handler.
      await page.evaluate(`document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="window.__csp=1">')`);
      await new Promise((r) => setTimeout(r, 500));
      expect(await page.evaluate('window.__csp')).toBeUndefined();
    } finally {
      server.forceShutdown();
    }
  }, 60_000);
});
