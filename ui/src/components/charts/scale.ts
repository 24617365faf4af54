// What the History charts share: where an instant or a value falls, as a percentage of the
// chart's width (SVG lengths in % keep text and marks undistorted at any width, on screen and on
// paper, with no measuring), and the zone the report's times are read in.

/** `x` in 0..1 as an SVG length, e.g. 0.0625 → `6.25%` (four decimals are far below a pixel). */
export function pct(x: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
  return `${Number((clamped * 100).toFixed(4))}%`;
}

/**
 * Where instant `at` falls between `from` and `to`, 0..1 (clamped). Instants, not clock times: a
 * 25-hour day is 25 hours wide, so 10:00–11:30 is 1.5/25 of it.
 */
export function fraction(at: string, from: string, to: string): number {
  const [t, a, b] = [Date.parse(at), Date.parse(from), Date.parse(to)];
  if (!(b > a) || Number.isNaN(t)) return 0;
  return Math.min(1, Math.max(0, (t - a) / (b - a)));
}

/** `v` of `max`, 0..1; 0 when there is no maximum. */
export function share(v: number, max: number): number {
  return max > 0 && Number.isFinite(v) ? Math.min(1, Math.max(0, v / max)) : 0;
}

/** A round maximum for an axis holding `values` (1, 2, 2.5, 5 × 10ⁿ), at least 1. */
export function niceMax(values: readonly number[]): number {
  const top = Math.max(0, ...values.filter(Number.isFinite));
  if (top <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(top));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= top) ?? 10) * p;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** `HH:MM` of instant `at` in the range's `timeZone` (the browser's when the name is unknown). */
export function hhmm(at: string | null | undefined, timeZone: string): string {
  if (!at) return '';
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) return at;
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: timeZone || undefined });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    }
    formats.set(timeZone, f);
  }
  return f.format(t);
}

/**
 * The local hour a heatmap column stands for. A day's columns are instants with the zone's offset
 * (`2026-10-25T02:00:00+02:00`, then `…T02:00:00+01:00` on a 25-hour day): the hour is read from
 * the text, and a repeated hour says which offset it is. A period's columns are `00`..`23`.
 */
export function hourLabel(column: string, all: readonly string[]): string {
  const m = /T(\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(column);
  if (!m) return column;
  const twice = all.filter((c) => c.slice(11, 13) === m[1]).length > 1;
  return twice ? `${m[1]} (${m[2] === 'Z' ? 'UTC' : m[2]})` : m[1];
}

/** One column of a bar chart and its row in the table; `href` drills down to the events behind it. */
export type Bar = { key: string; label: string; value: number | null; href?: string };
