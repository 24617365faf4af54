// The first-run set-up in chromium against the real rangedesk-server started as a fresh install:
// no config file at all. The page opens on the set-up instead of the board; the range's name and
// zone, an Enviso key and test deliveries (their verdicts the listener's own) go through the real
// settings API into the config file the app wrote; the page closed mid-way, and the server
// restarted, opens the set-up again at the step reached; finished, the board shows and stays.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkBuilt, launchChromium, Server, SHOTS } from './harness.mjs';

const ENVISO = 'lakeside-enviso-hmac-key-7f3a';
let server: Server;
let browser: Browser;

beforeAll(async () => {
  checkBuilt();
  server = await Server.prepare({ demo: false, noConfig: true });
  expect(existsSync(join(server.dir, 'rangedesk.toml')), 'a fresh install: no config file').toBe(false);
  await server.begin();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page on the board's address, collecting every page and console error. */
async function open(): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${server.boardUrl}/`);
  return { page, problems, close: () => context.close() };
}

const step = (page: Page, name: string) => page.getByRole('heading', { level: 2, name, exact: true });

test('a fresh install is set up step by step, resumes where it was left, and ends on the board', async () => {
  const configFile = join(server.dir, 'rangedesk.toml');
  expect(readFileSync(configFile, 'utf8'), 'the app wrote its config on first start').toContain('step = "welcome"');
  const token = /hook_token = "([^"]+)"/.exec(readFileSync(configFile, 'utf8'))?.[1];
  expect(token, 'with a generated hook token').toBeTruthy();

  let { page, problems, close } = await open();
  await step(page, 'Welcome to rangedesk').waitFor();
  expect(await page.getByRole('navigation', { name: 'Screens' }).count(), 'no board before the set-up').toBe(0);
  await page.getByRole('button', { name: 'Set up this range' }).click();

  await step(page, 'Your range').waitFor();
  await page.getByLabel('Range name').fill('Lakeside Range');
  await page.getByLabel(/^Time zone/).fill('Europe/Brussels');
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await step(page, 'Action Target').waitFor();
  const hook = await page.getByLabel('Webhook URL').inputValue();
  expect(hook, 'the URL to paste carries the generated token').toBe(`http://127.0.0.1:8787/hooks/action-target/${token}`);
  await page.getByRole('button', { name: 'Send a test delivery' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Accepted by the listener' }).count()).toBe(1);
  await page.getByRole('button', { name: 'Skip Action Target for now' }).click();

  await step(page, 'Enviso').waitFor();
  // Before a key: the listener refuses the test delivery, and the page says why in its words.
  await page.getByRole('button', { name: 'Send a test delivery' }).click();
  const verdict = page.locator('p.result');
  await expect.poll(() => verdict.textContent()).toBe('Refused (401): no Enviso HMAC key is configured');
  await page.getByLabel('Add a HMAC key').fill(ENVISO);
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.getByText('key 1: …7f3a').waitFor();
  await page.getByRole('button', { name: 'Send a test delivery' }).click();
  await expect.poll(() => verdict.textContent()).toMatch(/^Accepted by the listener — it is in the delivery log as /);
  const traceId = (await verdict.textContent())!.replace(/^.* as /, '').replace(/\.$/, '');
  const log = await server.api(`/api/deliveries?source=enviso&limit=1`);
  expect(log.items[0], 'the verdict is the delivery log’s').toMatchObject({ trace_id: traceId, verdict: 'accepted' });
  expect(await page.content(), 'a key is never shown back').not.toContain(ENVISO);
  await page.getByRole('button', { name: 'Continue' }).click();
  await step(page, 'Samna').waitFor();
  await page.screenshot({ path: join(SHOTS, 'setup-samna.png'), fullPage: true });
  expect(problems).toEqual([]);

  // Closed mid-way, and rangedesk restarted: the set-up opens again at Samna, with what was saved.
  await close();
  await server.restart();
  ({ page, problems, close } = await open());
  await step(page, 'Samna').waitFor();
  expect(await page.locator('li[aria-current="step"]').textContent()).toBe('Samna');
  await page.getByRole('button', { name: 'Send a test delivery' }).click();
  await expect.poll(() => page.locator('p.result').textContent()).toBe('Refused (401): no Samna secret is configured');
  await page.getByRole('button', { name: 'Skip Samna for now' }).click();

  await step(page, 'Ready').waitFor();
  const summary = page.locator('dl.summary');
  await expect.poll(() => summary.textContent()).toContain('Lakeside Range');
  expect(await summary.textContent()).toContain('Europe/Brussels');
  expect(await page.locator('dd[data-vendor="enviso"]').textContent()).toContain('HMAC key set — test delivery accepted');
  expect(await page.locator('dd[data-vendor="samna"]').textContent()).toContain('no signing secret (skipped)');
  await page.getByRole('button', { name: 'Open the board' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
  expect(await page.getByRole('button', { name: 'Board' }).getAttribute('aria-current')).toBe('page');

  // Done is done: a reload is the board, and the file says so for the next start.
  await page.reload();
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
  expect(await step(page, 'Welcome to rangedesk').count()).toBe(0);
  const settings = await server.api('/api/settings');
  expect(settings.setup).toBe('done');
  expect(settings.server).toMatchObject({ range_name: 'Lakeside Range', time_zone: 'Europe/Brussels' });
  const saved = readFileSync(configFile, 'utf8');
  expect(saved).toContain('step = "done"');
  expect(saved).toContain(ENVISO);
  expect(problems).toEqual([]);
  await close();
});
