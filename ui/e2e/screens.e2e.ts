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
}

/**
 * Gives the simulator up to 40 s to fill `n` lanes, so the pictures look like a working day; the
 * layout is checked either way.
 */
async function busy(server: Server, n: number) {
  const taken = async () => ((await server.api('/api/lanes')) as { state: string }[]).filter((l) => l.state !== 'free').length;
  await until(`${n} lanes in use`, async () => (await taken()) >= n, 40_000, 500).catch(() => undefined);
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
        await checkAndShoot(page, 24, `board-24-lanes-${width}x${height}-${scheme}`);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
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
      await checkAndShoot(page, 60, `board-60-lanes-${width}x${height}-${scheme}`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
