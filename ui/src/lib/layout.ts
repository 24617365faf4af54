// The board's fixed sizes, in one place: the components take them as CSS custom properties
// (Board.svelte sets them on its root), and `lanesFit` does the same arithmetic the browser's grid
// does, so a test can say whether 60 lanes fit a 1920×1080 screen and 24 a 1366×768 one without
// a browser. Change a size here and both the page and that check follow.

/** The root font size in app.css: 1rem. */
export const ROOT_PX = 17;

export const LAYOUT = {
  /** Header strip (nav, banners, clock). */
  headerRem: 3,
  /** Padding around the board: left/right, bottom. */
  padXRem: 0.6,
  padBottomRem: 0.5,
  /** Gap between the lanes and the right column. */
  mainGapRem: 0.75,
  /** The right column (health and queue): clamp(min, vw, max). */
  sideMinRem: 20,
  sideVw: 22,
  sideMaxRem: 23,
  /** A tile's usual narrowest width and fixed height, and the gap between tiles and between bays. */
  tileMinRem: 10.2,
  /** How narrow a tile may get when that saves the grid a scroll: a bay of nine beside the
      queue at 1920 px takes one row instead of two. Still room for a 24 px name and a countdown. */
  tileSmallestRem: 8.6,
  tileHeightRem: 5.3,
  gapRem: 0.35,
  /** A bay's heading: its line and the space under it. */
  bayHeadRem: 1.2,
  bayHeadGapRem: 0.15,
} as const;

/** The custom properties Board.svelte sets, so the CSS and `lanesFit` read the same numbers. */
export function layoutVars(): string {
  const L = LAYOUT;
  return [
    `--header-h: ${L.headerRem}rem`,
    `--pad-x: ${L.padXRem}rem`,
    `--pad-bottom: ${L.padBottomRem}rem`,
    `--main-gap: ${L.mainGapRem}rem`,
    `--side-w: clamp(${L.sideMinRem}rem, ${L.sideVw}vw, ${L.sideMaxRem}rem)`,
    `--tile-min: ${L.tileMinRem}rem`,
    `--tile-h: ${L.tileHeightRem}rem`,
    `--tile-gap: ${L.gapRem}rem`,
    `--bay-head: ${L.bayHeadRem}rem`,
    `--bay-head-gap: ${L.bayHeadGapRem}rem`,
  ].join('; ');
}

export type Fit = { columns: number; rows: number; heightPx: number; availablePx: number; fits: boolean };

const px = (rem: number) => rem * ROOT_PX;

/** Columns of tiles at least `tileRem` wide that fit `widthPx`, with the gaps between them. */
function columnsFor(widthPx: number, tileRem: number): number {
  return Math.max(1, Math.floor((widthPx + px(LAYOUT.gapRem)) / (px(tileRem) + px(LAYOUT.gapRem))));
}

/** The height of bays of `bays[i]` lanes in `columns` columns, headings included when `named`. */
function gridHeight(columns: number, bays: number[], named: boolean): { rows: number; heightPx: number } {
  const L = LAYOUT;
  let rows = 0;
  let heightPx = 0;
  bays.forEach((n, i) => {
    const r = Math.ceil(n / columns);
    rows += r;
    if (i > 0) heightPx += px(L.gapRem);
    if (named) heightPx += px(L.bayHeadRem) + px(L.bayHeadGapRem);
    heightPx += r * px(L.tileHeightRem) + Math.max(0, r - 1) * px(L.gapRem);
  });
  return { rows, heightPx };
}

/**
 * How many columns the lane grid uses in a `widthPx`×`heightPx` box: the usual tile width's
 * count when that fits without scrolling, else the fewest more (narrower tiles, down to
 * `tileSmallestRem`) that do; the most there is room for when nothing fits.
 */
export function gridColumns(widthPx: number, heightPx: number, bays: number[], named = true): number {
  const usual = columnsFor(widthPx, LAYOUT.tileMinRem);
  const most = Math.max(usual, columnsFor(widthPx, LAYOUT.tileSmallestRem));
  for (let c = usual; c <= most; c++) {
    if (gridHeight(c, bays, named).heightPx <= heightPx) return c;
  }
  return most;
}

/**
 * Whether bays of `bays[i]` lanes fit a `width`×`height` viewport without scrolling the lane
 * grid, laid out as the board lays them out: the grid beside the right column, below the header,
 * each bay its heading plus its rows of fixed-height tiles in `gridColumns` columns. `named` says
 * whether bays show a heading (a range without bays has none).
 */
export function lanesFit(width: number, height: number, bays: number[], named = true): Fit {
  const L = LAYOUT;
  const side = Math.min(Math.max(px(L.sideMinRem), (width * L.sideVw) / 100), px(L.sideMaxRem));
  const lanesWidth = width - 2 * px(L.padXRem) - px(L.mainGapRem) - side;
  const availablePx = height - px(L.headerRem) - px(L.padBottomRem);
  const columns = gridColumns(lanesWidth, availablePx, bays, named);
  const { rows, heightPx } = gridHeight(columns, bays, named);
  return { columns, rows, heightPx, availablePx, fits: heightPx <= availablePx };
}
