// The mesh dashboard of `canarykit play` in a real browser (Debian's Chromium driven by
// playwright-core), against a real play run: real control plane, servers and clients.
//
// What a workshop needs from it: it shows every client of the scenario in force; switching with
// the page's own control moves the observed bars (within SWITCH_SECONDS, a generous bound for a
// loaded 2-core machine: at 50 calls/s the bars move within about a second); an unknown scenario
// typed in the page gets the prompt's own refusal and changes nothing; two pages switching at once
// end in one state; and strings the page did not write (scenario names, descriptions, header
// values, identities, versions) are shown as text and never run.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../scripts/docs/chromium.ts';
import { PlayProcess } from '../../src/dashboard/testing/play-process.ts';
import type { DashboardState } from '../../src/dashboard/state.ts';
import { describeWithTool } from '../chart/tool-gate.ts';

const check = {
  tool: 'Chromium',
  missing: chromiumMissing,
  fix: 'apt-get install -y chromium',
};

/** The stated bound: after a switch from the page, the observed bars show the new split within this. */
const SWITCH_SECONDS = 20;
const ROOT = join(import.meta.dirname, '..', '..');

// Markup in every free-text place a scenario has: its folder name, description, a header value.
const HOSTILE_NAME = '<img src=x onerror=window.__xss=1>';
const HOSTILE_HEADER = '<script>window.__xss=2</script>';
const HOSTILE_DESCRIPTION = '<img src=x onerror="window.__xss=3"> routes by a header';

describeWithTool(check, 'mesh dashboard in Chromium', () => {
  let browser: Browser;
  let play: PlayProcess;
  let url: string;
  const root = mkdtempSync(join(tmpdir(), 'canarykit-dashboard-'));
  const pages: Page[] = [];
  const newPage = async () => {
    const page = await browser.newPage();
    pages.push(page);
    return page;
  };
  const state = async () => (await (await fetch(`${url}api/state`)).json()) as DashboardState;
  const card = (page: Page, identity: string) => page.locator(`.client[data-identity=${JSON.stringify(identity)}]`);
  /** The observed share of `outcome` for `identity`, as the page shows it (NaN when absent). */
  const observed = async (page: Page, identity: string, outcome: string) => {
    const row = card(page, identity).locator(`.split-row[data-outcome=${JSON.stringify(outcome)}]`);
    return (await row.count()) === 1 ? Number(await row.getAttribute('data-observed')) : NaN;
  };
  /** The calls counted for `identity` since the switch, as the page shows it. */
  const clientCalls = async (page: Page, identity: string) =>
    (await card(page, identity).count()) === 1 ? Number(await card(page, identity).getAttribute('data-total')) : NaN;
  const identities = async (page: Page) => {
    const cards = page.locator('.client');
    const out: Array<string | null> = [];
    for (let i = 0; i < (await cards.count()); i++) out.push(await cards.nth(i).getAttribute('data-identity'));
    return out;
  };
  const typeAndApply = async (page: Page, name: string) => {
    await page.fill('#switch-input', name);
    await page.click('#switch-button');
  };

  beforeAll(async () => {
    for (const name of ['weighted-90-10', 'cutover-0-100', 'header-user-admin']) cpSync(join(ROOT, 'scenarios', name), join(root, name), { recursive: true });
    const hostile = join(root, HOSTILE_NAME);
    cpSync(join(ROOT, 'scenarios', 'header-user-admin'), hostile, { recursive: true });
    const edit = (file: string, from: RegExp, to: string) => writeFileSync(join(hostile, file), readFileSync(join(hostile, file), 'utf8').replace(from, to));
    edit('virtual-service.yaml', /exact: admin/, `exact: '${HOSTILE_HEADER}'`);
    edit('expect/expect.yaml', /^(\s+)user: admin$/m, `$1user: '${HOSTILE_HEADER}'`);
    edit('expect/expect.yaml', /description: >[\s\S]*?\nmodes:/, `description: '${HOSTILE_DESCRIPTION}'\nmodes:`);

    ({ play, url } = await PlayProcess.start(['--root', root, '--rate', '50']));
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (play) expect(await play.quit()).toBe(0);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('loads from its own origin only, under a CSP, and shows every client of the scenario in force', async () => {
    play.type('header-user-admin');
    await play.waitFor(/applied header-user-admin/);
    const page = await newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(url);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await expect.poll(() => page.locator('#scenario-name').innerText(), { timeout: 10_000 }).toBe('header-user-admin');
    await expect.poll(() => identities(page), { timeout: 10_000 }).toEqual(['default', 'admin']);
    await expect.poll(() => page.locator('.client[data-identity="admin"] .headers').innerText()).toBe('headers user: admin');
    // Observed against expected: default all v1, admin all v2, with calls counted.
    await expect.poll(async () => [await observed(page, 'default', 'v1'), await observed(page, 'admin', 'v2')], { timeout: 15_000 }).toEqual([1, 1]);
    expect(await clientCalls(page, 'admin')).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.timeline').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('#files summary').allInnerTexts()).toEqual(['destination-rule.yaml', 'virtual-service.yaml', 'expect/expect.yaml']);
    expect(requested.filter((u) => !u.startsWith(url))).toEqual([]);
    expect(requested).toContain(`${url}vendor/uPlot.iife.min.js`);
  }, 60_000);

  it(`moves the observed bars within ${SWITCH_SECONDS} s when the page's control switches weighted-90-10 to cutover-0-100`, async () => {
    const page = pages[0]!;
    await typeAndApply(page, 'weighted-90-10');
    await expect.poll(() => page.locator('#switch-message').innerText(), { timeout: 30_000 }).toMatch(/^applied weighted-90-10: /);
    await play.waitFor(/\[dashboard\] applied weighted-90-10/);
    // 90/10 in force: v1 clearly ahead once a few dozen calls are in.
    await expect.poll(async () => (await clientCalls(page, 'default')) >= 50 && (await observed(page, 'default', 'v1')) > 0.6, { timeout: 30_000 }).toBe(true);
    expect(await observed(page, 'default', 'v2')).toBeLessThan(0.4);

    const switchedAt = Date.now();
    await typeAndApply(page, 'cutover-0-100');
    await expect
      .poll(async () => (await clientCalls(page, 'default')) >= 20 && (await observed(page, 'default', 'v2')) === 1, {
        timeout: SWITCH_SECONDS * 1000,
        interval: 250,
      })
      .toBe(true);
    expect(await page.locator('#scenario-name').innerText()).toBe('cutover-0-100');
    // The timeline marks the switch where it happened.
    const s = await state();
    expect(s.timeline.switches.map((x) => x.name).slice(-2)).toEqual(['weighted-90-10', 'cutover-0-100']);
    expect(s.timeline.switches.at(-1)!.at).toBeGreaterThanOrEqual(switchedAt);
  }, 90_000);

  it("refuses an unknown scenario typed in the page with the prompt's own message, and leaves the routing as it was", async () => {
    const page = pages[0]!;
    const before = await state();
    await typeAndApply(page, 'weighted-50-50');
    await expect.poll(() => page.locator('#switch-message').getAttribute('class'), { timeout: 10_000 }).toBe('refused');
    const shown = await page.locator('#switch-message').innerText();
    expect(shown).toMatch(/^unknown scenario "weighted-50-50"; the last routing stays\. Scenarios: .*cutover-0-100.*weighted-90-10/);
    // The prompt says exactly the same for the same input.
    const mark = play.output.length;
    play.type('weighted-50-50');
    const atPrompt = await play.waitFor(/unknown scenario[^\n]*/, mark);
    expect(atPrompt[0]).toBe(shown);
    // Routing untouched: same scenario, same start, and the calls still all reach v2.
    const after = await state();
    expect(after.scenario?.name).toBe('cutover-0-100');
    expect(after.scenario?.since).toBe(before.scenario?.since);
    expect(after.timeline.switches).toEqual(before.timeline.switches);
    const calls = await clientCalls(page, 'default');
    await expect
      .poll(async () => (await clientCalls(page, 'default')) > calls && (await observed(page, 'default', 'v2')) === 1, { timeout: 15_000 })
      .toBe(true);
  }, 60_000);

  it('ends in one consistent state when two pages switch at the same time', async () => {
    const [a, b] = [pages[0]!, await newPage()];
    await b.goto(url);
    await expect.poll(() => b.locator('#scenario-name').innerText(), { timeout: 10_000 }).toBe('cutover-0-100');
    await Promise.all([
      a.locator('#scenario-buttons button[data-scenario="weighted-90-10"]').click(),
      b.locator('#scenario-buttons button[data-scenario="header-user-admin"]').click(),
    ]);
    for (const page of [a, b]) await expect.poll(() => page.locator('#switch-message').getAttribute('class'), { timeout: 30_000 }).toBe('ok');
    const s = await state();
    // Both switches ran, one after the other; the one that ran last is in force, on both pages and in the mesh.
    expect(
      s.timeline.switches
        .slice(-2)
        .map((x) => x.name)
        .sort(),
    ).toEqual(['header-user-admin', 'weighted-90-10']);
    const last = s.timeline.switches.at(-1)!.name;
    expect(s.scenario?.name).toBe(last);
    for (const page of [a, b]) await expect.poll(() => page.locator('#scenario-name').innerText(), { timeout: 10_000 }).toBe(last);
    if (last === 'header-user-admin') {
      await expect.poll(async () => [await observed(a, 'default', 'v1'), await observed(a, 'admin', 'v2')], { timeout: SWITCH_SECONDS * 1000 }).toEqual([1, 1]);
    } else {
      await expect
        .poll(async () => (await clientCalls(a, 'default')) >= 50 && (await observed(a, 'default', 'v1')) > 0.6, { timeout: SWITCH_SECONDS * 1000 })
        .toBe(true);
      expect(await a.locator('.client').count()).toBe(1);
    }
  }, 90_000);

  it('shows markup in a scenario name, description and header value as text, and runs none of it', async () => {
    const page = pages[0]!;
    await page.locator('#scenario-buttons button').filter({ hasText: HOSTILE_NAME }).click();
    await expect.poll(() => page.locator('#scenario-name').innerText(), { timeout: 30_000 }).toBe(HOSTILE_NAME);
    expect(await page.locator('#scenario-description').innerText()).toBe(HOSTILE_DESCRIPTION);
    await expect.poll(() => page.locator('.client[data-identity="admin"] .headers').innerText(), { timeout: 10_000 }).toBe(`headers user: ${HOSTILE_HEADER}`);
    // The hostile header is a real identity: the mesh routes it to v2.
    await expect.poll(() => observed(page, 'admin', 'v2'), { timeout: SWITCH_SECONDS * 1000 }).toBe(1);
    expect(await page.locator('#files pre').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining(`exact: '${HOSTILE_HEADER}'`)]));
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  }, 60_000);

  it('shows an identity and a version that are markup as text (the state is hostile, the page code is real)', async () => {
    // Identities are DNS labels and the kit's servers refuse such versions, so the page is fed a
    // state that carries them: the real page script renders it.
    const real = await state();
    const identity = '<img src=x onerror=window.__xss=4>';
    const version = '<script>window.__xss=5</script>';
    const hostile: DashboardState = {
      ...real,
      clients: [
        {
          identity,
          headers: { user: version },
          running: true,
          total: 10,
          split: [{ outcome: version, observed: 1, count: 10 }],
          errors: [{ code: version, count: 1 }],
        },
      ],
      timeline: { ...real.timeline, clients: [{ identity, series: [{ outcome: version, shares: real.timeline.times.map(() => 1) }] }] },
    };
    const page = await newPage();
    await page.route(`${url}api/events`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/event-stream', body: `retry: 60000\n\nevent: state\ndata: ${JSON.stringify(hostile)}\n\n` }),
    );
    await page.goto(url);
    await expect.poll(() => page.locator('.client h3').allInnerTexts(), { timeout: 10_000 }).toEqual([identity]);
    expect(await page.locator('.client .outcome').allInnerTexts()).toEqual([version]);
    expect(await page.locator('.timeline h3').allInnerTexts()).toEqual([identity]);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  }, 60_000);
});
