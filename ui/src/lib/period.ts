// The History screen's period, as it stands in the URL so a report can be bookmarked or shared:
//   #history                          today (the desk PC's calendar date)
//   #history/2026-11-23               one day
//   #history/2026-W48                 an ISO week, Monday to Sunday (here 2026-11-23..2026-11-29)
//   #history/2026-11                  a calendar month
//   #history/2026-11-23..2026-11-29   any range of days, both ends included
// ←/→ step to the period before or after: a day by a day, a week by a week, a month by a month,
// a range by its own length. Dates are plain calendar dates: the arithmetic is on day numbers
// (days since 1970-01-01, through UTC, which has no DST), so a 23- or 25-hour day is one day here;
// what instants a day spans is the core's business, in the range's time zone.

export type PeriodKind = 'day' | 'week' | 'month' | 'range';

/** A period of whole days, `from` to `to` inclusive, as `YYYY-MM-DD`. */
export type Period = { kind: PeriodKind; from: string; to: string };

/** The longest range the screen asks for: a year and a day, so a leap year fits. */
export const MAX_DAYS = 366;

const MS_PER_DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a valid `YYYY-MM-DD`, or null (2026-02-30 is not a date). */
export function dayNumber(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / MS_PER_DAY;
}

/** `YYYY-MM-DD` of a day number. */
export function dateOf(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const n = dayNumber(date);
  if (n === null) throw new RangeError(`not a date: ${date}`);
  return dateOf(n + days);
}

/** Days from `from` to `to`, both included. */
export function dayCount(from: string, to: string): number {
  return (dayNumber(to) ?? 0) - (dayNumber(from) ?? 0) + 1;
}

/** 0 for Monday … 6 for Sunday. */
export function weekday(date: string): number {
  return (((dayNumber(date) ?? 0) + 3) % 7 + 7) % 7; // 1970-01-01 was a Thursday.
}

/** The ISO week `date` is in: its year (which may differ from the date's) and number. */
export function isoWeek(date: string): { year: number; week: number } {
  const thursday = addDays(date, 3 - weekday(date));
  const year = Number(thursday.slice(0, 4));
  const first = dayNumber(`${year}-01-01`) ?? 0;
  return { year, week: Math.floor(((dayNumber(thursday) ?? 0) - first) / 7) + 1 };
}

/** The Monday of ISO week `week` of `year`, or null when the year has no such week. */
function isoWeekStart(year: number, week: number): string | null {
  const jan4 = `${String(year).padStart(4, '0')}-01-04`; // Always in week 1.
  const monday = addDays(jan4, week * 7 - 7 - weekday(jan4));
  return week >= 1 && isoWeek(monday).week === week ? monday : null;
}

function monthEnd(year: number, month: number): string {
  return dateOf(Date.UTC(year, month, 0) / MS_PER_DAY); // Day 0 of the next month.
}

const pad2 = (n: number) => String(n).padStart(2, '0');

export function day(date: string): Period {
  return { kind: 'day', from: date, to: date };
}

export function weekOf(date: string): Period {
  const from = addDays(date, -weekday(date));
  return { kind: 'week', from, to: addDays(from, 6) };
}

export function monthOf(date: string): Period {
  const [y, m] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return { kind: 'month', from: `${date.slice(0, 7)}-01`, to: monthEnd(y, m) };
}

/** Today's date on the desk PC's calendar. */
export function today(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad2(now.getMonth() + 1)}-${pad2(now.getDate())}`;
}

/** What the URL says, or why it cannot be read. */
export type Parsed = { period: Period } | { problem: string };

/**
 * The period of a `#history…` hash (the part after `#history/`, or the whole hash). `#history`
 * alone is today.
 */
export function parsePeriod(hash: string, now: Date = new Date()): Parsed {
  const spec = decodeURIComponent(hash.replace(/^#?history\/?/, '')).trim();
  if (spec === '') return { period: day(today(now)) };
  let m: RegExpExecArray | null;
  if (DATE.test(spec)) {
    return dayNumber(spec) === null ? { problem: `${spec} is not a date` } : { period: day(spec) };
  }
  if ((m = /^(\d{4})-W(\d{2})$/i.exec(spec))) {
    const from = isoWeekStart(Number(m[1]), Number(m[2]));
    return from ? { period: { kind: 'week', from, to: addDays(from, 6) } } : { problem: `${m[1]} has no week ${m[2]}` };
  }
  if ((m = /^(\d{4})-(\d{2})$/.exec(spec))) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return { problem: `${spec} is not a month` };
    return { period: monthOf(`${spec}-01`) };
  }
  if ((m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(spec))) {
    const [from, to] = [m[1], m[2]];
    if (dayNumber(from) === null) return { problem: `${from} is not a date` };
    if (dayNumber(to) === null) return { problem: `${to} is not a date` };
    const days = dayCount(from, to);
    if (days < 1) return { problem: `the range ends (${to}) before it starts (${from})` };
    if (days > MAX_DAYS) return { problem: `a range of ${days} days is longer than ${MAX_DAYS}` };
    return { period: { kind: 'range', from, to } };
  }
  return { problem: `“${spec}” is not a day (2026-11-23), week (2026-W48), month (2026-11) or range (2026-11-23..2026-11-29)` };
}

/** The hash of a period: the inverse of parsePeriod. */
export function periodHash(p: Period): string {
  switch (p.kind) {
    case 'day':
      return `#history/${p.from}`;
    case 'week': {
      const { year, week } = isoWeek(p.from);
      return `#history/${year}-W${pad2(week)}`;
    }
    case 'month':
      return `#history/${p.from.slice(0, 7)}`;
    case 'range':
      return `#history/${p.from}..${p.to}`;
  }
}

/** The period `by` steps later (negative: earlier), of the same kind. */
export function step(p: Period, by: number): Period {
  switch (p.kind) {
    case 'day':
      return day(addDays(p.from, by));
    case 'week':
      return weekOf(addDays(p.from, 7 * by));
    case 'month': {
      const index = Number(p.from.slice(0, 4)) * 12 + Number(p.from.slice(5, 7)) - 1 + by;
      return monthOf(`${String(Math.floor(index / 12)).padStart(4, '0')}-${pad2((index % 12) + 1)}-01`);
    }
    case 'range': {
      const n = dayCount(p.from, p.to) * by;
      return { kind: 'range', from: addDays(p.from, n), to: addDays(p.to, n) };
    }
  }
}

/** The period of `kind` that holds `p`'s first day (a range keeps its length). */
export function asKind(p: Period, kind: PeriodKind): Period {
  if (kind === 'day') return day(p.from);
  if (kind === 'week') return weekOf(p.from);
  if (kind === 'month') return monthOf(p.from);
  return { kind: 'range', from: p.from, to: p.to };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The period in words, for the heading and the document title. */
export function periodTitle(p: Period): string {
  switch (p.kind) {
    case 'day':
      return `${WEEKDAYS[weekday(p.from)]} ${p.from}`;
    case 'week': {
      const { year, week } = isoWeek(p.from);
      return `Week ${week} of ${year} (${p.from} to ${p.to})`;
    }
    case 'month':
      return `${MONTHS[Number(p.from.slice(5, 7)) - 1]} ${p.from.slice(0, 4)}`;
    case 'range':
      return `${p.from} to ${p.to} (${dayCount(p.from, p.to)} days)`;
  }
}
