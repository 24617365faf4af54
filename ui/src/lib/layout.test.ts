// The board must show 60 lanes on a 1920×1080 desk screen and 24 on a 1366×768 laptop without
// scrolling the lane grid, with lane names of at least 24 px and touch targets of at least 44 px.
// jsdom lays nothing out, so this checks the numbers the CSS is built from (lib/layout.ts) with
// the grid's own arithmetic, and that the components really read them.
import { cleanup, render } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import Board from '../routes/Board.svelte';
import { board, lane } from '../test/fixtures';
import { LAYOUT, lanesFit, layoutVars, ROOT_PX } from './layout';

// The sources as text, through Vite's `?raw`, so the check reads the CSS that ships.
const SOURCES = import.meta.glob(['../**/*.svelte', '../app.css'], { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;
const src = (p: string): string => {
  const text = SOURCES[`../${p}`];
  if (text === undefined) throw new Error(`no source ${p}`);
  return text;
};

afterEach(() => {
  cleanup();
  clearMocks();
});

/** `n` lanes in bays of `size` (the last one shorter). */
function bays(n: number, size: number): number[] {
  const out: number[] = [];
  for (let left = n; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

describe('the lane grid fits the desk screens', () => {
  it.each([
    ['60 lanes, one bay, 1920×1080', 1920, 1080, [60], false],
    ['60 lanes in bays of 8, 1920×1080', 1920, 1080, bays(60, 8), true],
    // The simulator's range: bays of eight, the accessible last lane standing in the first bay.
    ['60 lanes as the demo groups them, 1920×1080', 1920, 1080, [9, 8, 8, 8, 8, 8, 8, 3], true],
    ['24 lanes as the demo groups them, 1366×768', 1366, 768, [9, 8, 7], true],
    ['24 lanes, one bay, 1366×768', 1366, 768, [24], false],
    ['24 lanes in bays of 8, 1366×768', 1366, 768, bays(24, 8), true],
    ['24 lanes in bays of 6, 1366×768', 1366, 768, bays(24, 6), true],
  ])('%s', (_, w, h, b, named) => {
    const fit = lanesFit(w, h, b, named);
    expect(fit.fits, `${fit.heightPx}px of tiles in ${fit.availablePx}px (${fit.columns} columns)`).toBe(true);
  });

  it('says when it would not fit, so the check can fail', () => {
    expect(lanesFit(1366, 768, [60]).fits).toBe(false);
    expect(lanesFit(1920, 1080, bays(60, 3)).fits).toBe(false);
    // Known limit: bays wider than nine lanes take two rows each at 1920, so 60 lanes in bays of
    // ten or twelve scroll (bays do not yet sit side by side).
    expect(lanesFit(1920, 1080, bays(60, 10)).fits).toBe(false);
  });

  it('uses eight columns at 1920 and five at 1366, as the tiles were sized for, and narrows them only to save a scroll', () => {
    expect(lanesFit(1920, 1080, [60]).columns).toBe(8);
    expect(lanesFit(1366, 768, [24]).columns).toBe(5);
    expect(lanesFit(1920, 1080, [9, 8, 8, 8, 8, 8, 8, 3]).columns).toBe(9);
  });

  it('has the components read these numbers, not copies of them', () => {
    const grid = src('components/LaneGrid.svelte');
    expect(grid).toContain('minmax(var(--tile-min');
    expect(grid).toContain('gridColumns(');
    expect(grid).toContain('gap: var(--tile-gap');
    expect(grid).toContain('line-height: var(--bay-head');
    expect(src('components/LaneTile.svelte')).toContain('height: var(--tile-h');
    const b = src('routes/Board.svelte');
    for (const v of ['--header-h', '--side-w', '--main-gap', '--pad-x', '--pad-bottom']) expect(b).toContain(`var(${v})`);
    expect(src('app.css')).toContain(`font-size: ${ROOT_PX}px`);
  });

  it('sets the numbers on the board', async () => {
    mockIPC((cmd) => (cmd === 'board' ? board({ lanes: [lane()] }) : {}), { shouldMockEvents: true });
    const { container } = render(Board);
    const root = container.querySelector<HTMLElement>('.board') as HTMLElement;
    expect(root.getAttribute('style')?.replace(/;$/, '')).toBe(layoutVars());
    expect(layoutVars()).toContain(`--tile-h: ${LAYOUT.tileHeightRem}rem`);
  });
});

describe('readable and touchable', () => {
  it('draws lane names at 24 px or more', () => {
    const name = /\.name\s*\{[^}]*font-size:\s*(\d+)px/.exec(src('components/LaneTile.svelte'));
    expect(Number(name?.[1])).toBeGreaterThanOrEqual(24);
  });

  it.each([
    'components/QueueItem.svelte',
    'components/LaneDrawer.svelte',
    'components/drawer/SessionPanel.svelte',
    'components/drawer/SessionTab.svelte',
    'components/ActionQueue.svelte',
    'App.svelte',
    'app.css',
    'components/Notices.svelte',
  ])(
    '%s gives its buttons a 44 px touch target',
    (file) => {
      const css = src(file);
      const buttonRules = [...css.matchAll(/([^{}]*button[^{}]*)\{([^}]*)\}/g)].map((m) => m[2]);
      expect(buttonRules.some((r) => /min-height:\s*44px/.test(r)), file).toBe(true);
    },
  );

  it.each(['routes/Activity.svelte', 'routes/Deliveries.svelte', 'routes/Today.svelte'])(
    '%s takes the shared screen layout (its filter buttons get 44 px from app.css)',
    (file) => {
      expect(src(file)).toContain('<main class="screen">');
      expect(src('app.css')).toMatch(/\.screen \.filters button,[^{]*\{[^}]*min-height:\s*44px/);
    },
  );
});
