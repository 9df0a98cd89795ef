// `canarykit promote --dashboard` in a real browser (Debian's Chromium driven by playwright-core),
// against a real promotion on the local mesh: promote-flaky, whose v2 fails 20% of its calls, is
// rolled back at its first step by the error gate. The page shows the step gathering its calls,
// each gate as it decides, the schedule with the failed step, v2's share on the timeline, and the
// end; its switch control is refused, since the promotion owns the routing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../scripts/docs/chromium.ts';
import type { DashboardState } from '../../src/dashboard/state.ts';
import { PlayProcess } from '../../src/dashboard/testing/play-process.ts';
import { describeWithTool } from '../chart/tool-gate.ts';

describeWithTool({ tool: 'Chromium', missing: chromiumMissing, fix: 'apt-get install -y chromium' }, 'promote --dashboard in Chromium', () => {
  let browser: Browser;
  let promote: PlayProcess;
  let url: string;
  let page: Page;
  const out = mkdtempSync(join(tmpdir(), 'canarykit-promote-dashboard-'));

  beforeAll(async () => {
    ({ play: promote, url } = await PlayProcess.command(['promote', '--scenario', 'promote-flaky', '--out', out, '--dashboard', '--dashboard-port', '0']));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(url);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (promote && promote.child.exitCode === null) promote.child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it("shows the step gathering its calls, then the error gate's failure and the rollback, as they happen", async () => {
    // While step 1 (5% v2) gathers: the chip of 5% is marked, a progress bar counts its calls.
    await page.waitForSelector('.schedule li.gathering[data-weight="5"]', { timeout: 60_000 });
    const bar = page.locator('#promotion-gathering [role=progressbar]');
    expect(Number(await bar.getAttribute('aria-valuemax'))).toBeGreaterThan(1000);
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(0);
    // The page's own client bars and timeline are fed by the calls the gates judge.
    await page.waitForSelector('.client[data-identity="default"] .split-row[data-outcome="v2"]', { timeout: 30_000 });
    await page.waitForSelector('.timeline[data-identity="default"] canvas', { timeout: 30_000 });

    // The end: rolled back by the error gate at 5%, 0% v2 in force.
    await page.waitForSelector('body[data-promotion="rolled-back"]', { timeout: 120_000 });
    expect(await page.textContent('#promotion-state')).toBe('rolled back to 0% v2');
    expect(await page.getAttribute('.schedule li[data-weight="5"]', 'class')).toContain('failed');
    expect(await page.getAttribute('.schedule li[data-weight="10"]', 'class')).toBe('');
    const step = page.locator('.promotion-step[data-weight="5"]');
    expect(await step.locator('tr[data-gate="error"]').getAttribute('data-verdict')).toBe('fail');
    expect(await step.locator('tr[data-gate="split"]').getAttribute('data-verdict')).toBe('pass');
    expect(await page.textContent('#promotion-summary')).toMatch(/0% v2 in force[\s\S]*error gate at 5% v2: v2 fails more often than v1/);

    // The JSON behind it says the same.
    const state = (await (await fetch(`${url}api/state`)).json()) as DashboardState;
    expect(state.promotion).toMatchObject({
      scenario: 'promote-flaky',
      driver: 'local',
      state: 'rolled-back',
      inForce: { weight: 0 },
      result: { gate: 'error', failedWeight: 5, finalWeight: 0 },
    });
    expect(state.timeline.switches.map((s) => s.name)).toEqual(['0% v2', '5% v2', '0% v2']);
  }, 240_000);

  it('hides the switch control, and refuses a switch sent anyway: the promotion owns the routing', async () => {
    expect(await page.isHidden('#switch-form')).toBe(true);
    expect(await page.isHidden('#verdict-section')).toBe(true);
    const answer = await page.evaluate(async () => {
      const res = await fetch('api/switch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ scenario: 'cutover-0-100' }),
      });
      return { status: res.status, body: (await res.json()) as { ok: boolean; message: string } };
    });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toMatch(/a promotion of promote-flaky owns the routing/);
  });

  it("stays open after the end, until Ctrl-C; the exit code is the promotion's (1: rolled back)", async () => {
    expect(promote.child.exitCode).toBeNull();
    expect(promote.output).toMatch(/stays open with the promotion's steps and evidence; Ctrl-C to stop/);
    promote.child.kill('SIGINT');
    expect(await promote.exited).toBe(1);
  }, 30_000);
});
