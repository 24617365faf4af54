// How the History screen writes its figures: durations, shares, money and changes, the same on
// screen, in print and in the tables beside the charts. A missing figure is a dash, never NaN.

const DASH = '—';

/** A count that may be fractional (a session across midnight counts by its share in each day). */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Seconds as `45 s`, `2 min 05 s`, `1 h 02 min`. */
export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return DASH;
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
  return `${Math.floor(total / 3600)} h ${String(Math.floor((total % 3600) / 60)).padStart(2, '0')} min`;
}

/** Minutes as `35 min` or `12 h 05 min`. */
export function minutes(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return DASH;
  const total = Math.round(m);
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')} min`;
}

/** Lane-hours with one decimal, from minutes. */
export function hours(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return DASH;
  return (m / 60).toFixed(1);
}

/** A share 0..1 as a percentage with one decimal. */
export function percent(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return `${(x * 100).toFixed(1)} %`;
}

/** Cents as money with two decimals; the currency is the range's own, which the core does not name. */
export function money(cents: number | null | undefined): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return DASH;
  const sign = cents < 0 ? '−' : '';
  const abs = Math.round(Math.abs(cents));
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** The change from `before` to `now` as `+3`, `−1.5`, `±0`, with its relative change when it has one. */
export function delta(now: number | null | undefined, before: number | null | undefined, write: (n: number) => string = count): string {
  if (now === null || now === undefined || before === null || before === undefined) return DASH;
  const d = now - before;
  if (!Number.isFinite(d)) return DASH;
  const abs = write(Math.abs(d));
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const rel = before !== 0 && d !== 0 ? ` (${d > 0 ? '+' : '−'}${Math.abs((d / before) * 100).toFixed(0)} %)` : '';
  return `${sign}${abs}${rel}`;
}
