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
  /** A tile's narrowest width and fixed height, and the gap between tiles and between bays. */
  tileMinRem: 10.2,
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

/**
 * Whether bays of `bays[i]` lanes fit a `width`×`height` viewport without scrolling the lane
 * grid, as CSS lays them out: `repeat(auto-fill, minmax(tile, 1fr))` columns beside the right
 * column, each bay its heading plus its rows of fixed-height tiles. `named` says whether bays show
 * a heading (a range without bays has none).
 */
export function lanesFit(width: number, height: number, bays: number[], named = true): Fit {
  const L = LAYOUT;
  const px = (rem: number) => rem * ROOT_PX;
  const side = Math.min(Math.max(px(L.sideMinRem), (width * L.sideVw) / 100), px(L.sideMaxRem));
  const lanesWidth = width - 2 * px(L.padXRem) - px(L.mainGapRem) - side;
  // auto-fill: as many columns as fit with the gaps between them.
  const columns = Math.max(1, Math.floor((lanesWidth + px(L.gapRem)) / (px(L.tileMinRem) + px(L.gapRem))));
  let rows = 0;
  let heightPx = 0;
  bays.forEach((n, i) => {
    const r = Math.ceil(n / columns);
    rows += r;
    if (i > 0) heightPx += px(L.gapRem);
    if (named) heightPx += px(L.bayHeadRem) + px(L.bayHeadGapRem);
    heightPx += r * px(L.tileHeightRem) + Math.max(0, r - 1) * px(L.gapRem);
  });
  const availablePx = height - px(L.headerRem) - px(L.padBottomRem);
  return { columns, rows, heightPx, availablePx, fits: heightPx <= availablePx };
}
