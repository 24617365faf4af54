// The board at the desk's screen sizes, light and dark: 24 lanes (the demo) at 1366×768 and
// 1920×1080, and 60 lanes (the simulator with --lanes 60) at 1920×1080. Every lane tile must be
// whole on screen with nothing to scroll, and a screenshot of each is saved for people to look at
// (artifacts/screenshots/, or $RANGEDESK_SCREENSHOTS).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkBuilt, launchChromium, openBoard, Server, SHOTS, Simulator, until } from './harness.mjs';

mkdirSync(SHOTS, { recursive: true });

let browser: Browser | undefined;
const browserOnce = async () => (browser ??= await launchChromium());

afterAll(async () => {
  await browser?.close();
});

type Box = { id: string; x: number; y: number; width: number; height: number };

/** Every tile's box, and how far the page and the lanes' own pane could scroll. */
async function layout(page: Page) {
  return page.evaluate(() => {
    const tiles = [...document.querySelectorAll<HTMLElement>('[data-lane-id]')].map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.dataset.laneId ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
    });
    const page = document.scrollingElement!;
    const panes = [...document.querySelectorAll<HTMLElement>('*')]
      .filter((el) => el.contains(document.querySelector('[data-lane-id]')))
      .map((el) => el.scrollHeight - el.clientHeight);
    return {
      tiles,
      vw: window.innerWidth,
      vh: window.innerHeight,
      pageScroll: Math.max(page.scrollHeight - page.clientHeight, page.scrollWidth - page.clientWidth),
      paneScroll: Math.max(0, ...panes),
    };
  });
}

function outside(t: Box, vw: number, vh: number): boolean {
  return t.x < 0 || t.y < 0 || t.x + t.width > vw + 0.5 || t.y + t.height > vh + 0.5;
}

async function checkAndShoot(page: Page, lanes: number, name: string) {
  await page.waitForTimeout(300);
  // Saved first, so a failing layout can be looked at.
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
  const l = await layout(page);
  expect(l.tiles.length, 'one tile per lane').toBe(lanes);
  expect(l.tiles.filter((t) => outside(t, l.vw, l.vh)).map((t) => t.id), 'tiles not wholly on screen').toEqual([]);
  expect(l.pageScroll, 'the page does not scroll').toBeLessThanOrEqual(0);
  expect(l.paneScroll, 'the lanes pane does not scroll').toBeLessThanOrEqual(0);
  // Lane names stay readable from two metres.
  const nameSize = await page.locator('[data-lane-id] h3').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(nameSize).toBeGreaterThanOrEqual(24);
  // Every button and picker on the board is at least 44 px each way, for a finger.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, select, [role="button"]')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44))
      .map(({ el, r }) => `${el.textContent?.trim().slice(0, 30)} ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
  expect(small, 'touch targets under 44 px').toEqual([]);
}

/**
 * Gives the simulator up to 40 s to fill `n` lanes, so the pictures look like a working day; the
 * layout is checked either way.
 */
async function busy(server: Server, n: number) {
  const taken = async () => ((await server.api('/api/lanes')) as { state: string }[]).filter((l) => l.state !== 'free').length;
  await until(`${n} lanes in use`, async () => (await taken()) >= n, 40_000, 500).catch(() => undefined);
}

/** The page follows the system's light or dark scheme: its background is light or dark. */
async function checkScheme(page: Page, scheme: 'light' | 'dark') {
  const luminance = await page.evaluate(() => {
    const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
    const bg = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)?.map(Number);
    const [R, G, B] = r + g + b > 0 || !bg ? [r, g, b] : bg;
    return (0.2126 * R + 0.7152 * G + 0.0722 * B) / 255;
  });
  if (scheme === 'dark') expect(luminance, 'a dark background').toBeLessThan(0.25);
  else expect(luminance, 'a light background').toBeGreaterThan(0.75);
}

const sizes = [
  [1366, 768],
  [1920, 1080],
] as const;

describe('24 lanes (the demo)', () => {
  let server: Server;
  afterAll(async () => {
    await server?.stop();
  });

  test.each(sizes.flatMap(([w, h]) => [[w, h, 'light'] as const, [w, h, 'dark'] as const]))(
    '%i×%i %s: every tile on screen',
    async (width, height, scheme) => {
      if (!server) {
        checkBuilt();
        server = await Server.start({ demo: true });
        await busy(server, 12);
      }
      const { page, context, problems } = await openBoard(await browserOnce(), server, { width, height, dark: scheme === 'dark' });
      try {
        await checkScheme(page, scheme);
        await checkAndShoot(page, 24, `board-24-lanes-${width}x${height}-${scheme}`);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});

test('nothing on the board moves as events arrive', async () => {
  checkBuilt();
  const server = await Server.start({ demo: false });
  try {
    // A quiet board of eight lanes known from events, so only our events change it.
    for (let i = 1; i <= 8; i++) {
      expect((await server.hook({ event: 'sessionCreated', lane_id: `lane-${i}`, session_id: `s-${i}` })).status).toBe(200);
    }
    const { page, context, problems } = await openBoard(await browserOnce(), server, { width: 1366, height: 768 });
    try {
      await expect.poll(() => page.locator('[data-lane-id]').count()).toBe(8);
      const boxes = () =>
        page.locator('[data-lane-id]').evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return `${(el as HTMLElement).dataset.laneId} ${r.x},${r.y} ${r.width}×${r.height}`;
          }),
        );
      const before = await boxes();
      // Help, carrier hits, a start and a pause, a purchase held for the desk: badges come and go.
      await server.hook({ event: 'sessionStarted', lane_id: 'lane-2', session_id: 's-2' });
      await server.hook({ event: 'help', lane_id: 'lane-3', session_id: 's-3' });
      await server.hook({ event: 'carrierHit', lane_id: 'lane-4', session_id: 's-4' });
      await server.hook({ event: 'carrierHit', lane_id: 'lane-4', session_id: 's-4' });
      await server.hook({ event: 'sessionStarted', lane_id: 'lane-5', session_id: 's-5' });
      await server.hook({ event: 'sessionPaused', lane_id: 'lane-5', session_id: 's-5' });
      const held = server.hook({ event: 'purchaseRequest', lane_id: 'lane-6', session_id: 's-6', items: [{ id: 'AMMO-9MM', qty: 1 }] });
      await page.locator('li[data-trace-id]').waitFor();
      await page.locator('[data-lane-id="lane-3"].help-raised').waitFor();
      expect(await boxes(), 'tiles keep their places and sizes').toEqual(before);
      // Answer the purchase so the lane is not left waiting.
      const [p] = (await server.api('/api/purchases?status=pending')) as { trace_id: string }[];
      await server.post(`/api/purchases/${encodeURIComponent(p.trace_id)}/decline`, {});
      await held;
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  } finally {
    await server.stop();
  }
});

describe('60 lanes (the simulator with --lanes 60)', () => {
  let server: Server;
  let sim: Simulator;
  afterAll(async () => {
    await server?.stop();
    await sim?.stop();
  });

  test.each([
    [1920, 1080, 'light'],
    [1920, 1080, 'dark'],
  ] as const)('%i×%i %s: every tile on screen', async (width, height, scheme) => {
    if (!server) {
      checkBuilt({ sim: true });
      server = await Server.prepare({ demo: false, lanes: 60 });
      sim = await Simulator.start(server, { lanes: 60 });
      server.apiBase = sim.api;
      await server.begin();
      await busy(server, 30);
    }
    const { page, context, problems } = await openBoard(await browserOnce(), server, { width, height, dark: scheme === 'dark' });
    try {
      await checkScheme(page, scheme);
      await checkAndShoot(page, 60, `board-60-lanes-${width}x${height}-${scheme}`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
