// Debian's Chromium driven by playwright-core, as the browser tests and the screenshot script use it:
// headless, no sandbox (root), and none of the background connections a closed network refuses.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Why Chromium cannot be launched here, or undefined. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} does not exist`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
