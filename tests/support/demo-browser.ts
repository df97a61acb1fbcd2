import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from './test-app.js';
import { openBrowser, type Browser } from './browser.js';
import { DemoOptionsInput, DemoService } from '../../src/modules/demo/index.js';
import type { Role } from '../../src/modules/access/index.js';

export interface DemoBrowser {
  t: TestApp;
  base: string;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/**
 * The console's browser tests on a demo brand: a server (Shanghai time) seeded with `customers` demo customers up to
 * 30 November 2025 (`seed` keeps each test file's brand its own), these staff accounts, listening on a free port, and
 * chromium at 1366 × 900.
 */
export async function demoBrowser(o: {
  seed: string;
  customers?: number;
  staff: Array<{ username: string; displayName: string; password: string; role: Role }>;
}): Promise<DemoBrowser> {
  const t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
  await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed(
    DemoOptionsInput.parse({ customers: o.customers ?? 300, seed: o.seed }),
    undefined,
    new Date('2025-11-30T12:00:00+08:00'),
  );
  await t.kemai.events.drain();
  for (const s of o.staff) await t.kemai.access.createStaff(s);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await openBrowser({ width: 1366, height: 900 });
  return {
    t,
    base: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`,
    browser,
    page: browser.page,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** Signs in on the console's sign-in page and waits for the shell. */
export async function signIn(page: Page, base: string, who: { username: string; password: string }): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator('input[name=username]').fill(who.username);
  await page.locator('input[name=password]').fill(who.password);
  await page.locator('button[type=submit]').click();
  await page.locator('.user-name').waitFor();
}
