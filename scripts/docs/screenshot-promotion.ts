// Makes docs/images/promote-dashboard.png from a real run (`make dashboard-screenshot`): starts
// `canarykit promote --scenario promote-good --dashboard` on the local mesh, follows the page in
// Chromium until the promotion has ended, and photographs it: the schedule, every step's gates, v2's
// share rising step by step on the timeline. Nothing on the picture is drawn by hand.
//
//   node scripts/docs/screenshot-promotion.ts [out.png]     (CHROMIUM_PATH, default /usr/bin/chromium)
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CHROMIUM, launchChromium } from './chromium.ts';
import { PlayProcess } from '../../src/dashboard/testing/play-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const out = resolve(process.argv[2] ?? join(ROOT, 'docs', 'images', 'promote-dashboard.png'));
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`screenshot-promotion: ${CHROMIUM} does not exist: apt-get install -y chromium, or set CHROMIUM_PATH\n`);
  process.exit(1);
}
const step = (line: string) => process.stdout.write(`screenshot-promotion: ${line}\n`);

const steps = mkdtempSync(join(tmpdir(), 'canarykit-promote-shot-'));
const { play: promote, url } = await PlayProcess.command(['promote', '--scenario', 'promote-good', '--out', steps, '--dashboard', '--dashboard-port', '0']);
const browser = await launchChromium();
try {
  step(`promote-good is running, dashboard at ${url}`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForSelector('body[data-promotion="promoted"], body[data-promotion="rolled-back"]', { timeout: 300_000 });
  step(`the promotion ended: ${await page.textContent('#promotion-state')}`);
  // One more push of the state, so the timeline has its last second.
  await page.waitForTimeout(1_500);
  mkdirSync(dirname(out), { recursive: true });
  // Down to the timeline: below it come the verdict (none) and the step's own YAML.
  const bottom = (await page.evaluate(
    `document.querySelector('section[aria-labelledby="timeline-title"]').getBoundingClientRect().bottom + window.scrollY`,
  )) as number;
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 16) } });
  step(`wrote ${out}`);
} finally {
  await browser.close();
  promote.child.kill('SIGINT');
  await promote.exited;
}
