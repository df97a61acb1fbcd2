import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../src/app/console.js';

/**
 * Debian's chromium driven by playwright-core (which never downloads a browser of its own), for
 * the console's browser tests. `skipReason` is null when chromium and the built console are there.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = '/tmp/kemai-shots';
export const skipReason = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))
    ? `${CONSOLE_DIR} is missing (npm run build:web)`
    : null;

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Full-page screenshot to /tmp/kemai-shots/<name>.png. */
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** A fresh profile in Chinese, Shanghai time, reduced motion (charts drawn, not mid-animation). */
export async function openBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    reducedMotion: 'reduce',
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    shot: (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }),
    async close() {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
