// Makes docs/images/dashboard.png from a real run (`make dashboard-screenshot`): starts
// `canarykit play`, applies weighted-90-10 at its prompt, switches to weighted-70-30 with the
// dashboard's own buttons, asks the page for a verdict, and photographs the page in Chromium once
// the verdict is in. Nothing on the picture is drawn by hand.
//
//   node scripts/docs/screenshot-dashboard.ts [out.png]     (CHROMIUM_PATH, default /usr/bin/chromium)
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CHROMIUM, launchChromium } from './chromium.ts';
import { PlayProcess } from '../../src/dashboard/testing/play-process.ts';

const out = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'docs', 'images', 'dashboard.png'));
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`screenshot-dashboard: ${CHROMIUM} does not exist: apt-get install -y chromium, or set CHROMIUM_PATH\n`);
  process.exit(1);
}

const step = (line: string) => process.stdout.write(`screenshot-dashboard: ${line}\n`);
// 40 calls/s per client: enough for a readable per-second timeline, little CPU.
const { play, url } = await PlayProcess.start(['--rate', '40']);
const browser = await launchChromium();
try {
  step(`canarykit play is up, dashboard at ${url}`);
  play.type('weighted-90-10');
  await play.waitFor(/applied weighted-90-10/);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  step('weighted-90-10 applied; 20 s of calls...');
  await page.waitForTimeout(20_000);
  await page.click('#scenario-buttons button[data-scenario="weighted-70-30"]');
  await page.waitForSelector('body[data-scenario="weighted-70-30"]');
  step('switched to weighted-70-30 from the page; 15 s of calls, then a verdict...');
  await page.waitForTimeout(15_000);
  await page.click('#verify-button');
  await page
    .locator('#verdict-summary')
    .filter({ hasText: /PASS|FAIL/ })
    .waitFor({ timeout: 120_000 });
  const verdict = await page.locator('#verdict-summary').innerText();
  step(`verdict: ${verdict}`);
  mkdirSync(dirname(out), { recursive: true });
  // Down to the verdict: the scenario's files below it are the repository's own YAML.
  // (The page's own coordinates: the click on Verify has scrolled the viewport.)
  const bottom = (await page.evaluate(
    `document.querySelector('section[aria-labelledby="verdict-title"]').getBoundingClientRect().bottom + window.scrollY`,
  )) as number;
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 16) } });
  step(`wrote ${out}`);
} finally {
  await browser.close();
  await play.quit();
}
