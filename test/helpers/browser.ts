import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium as this machine allows it: no sandbox as root, no background networking;
 * Playwright gives it a fresh temporary profile.
 */
export async function launchChromium(): Promise<{
  browser: Browser;
  context: (options?: { dark?: boolean }) => Promise<BrowserContext>;
}> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
    );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  return {
    browser,
    context: (options = {}) =>
      browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: options.dark ? 'dark' : 'light',
      }),
  };
}
