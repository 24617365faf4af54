// Times arrive as RFC 3339 strings; staff read them in the desk PC's zone.

/** `HH:MM:SS` for today, `YYYY-MM-DD HH:MM:SS` otherwise; the input as-is if unparsable. */
export function clock(rfc3339: string | null | undefined, now: Date = new Date()): string {
  if (!rfc3339) return '';
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  const time = at.toLocaleTimeString(undefined, { hour12: false });
  if (at.toDateString() === now.toDateString()) return time;
  const day = [at.getFullYear(), at.getMonth() + 1, at.getDate()]
    .map((n) => String(n).padStart(2, '0'))
    .join('-');
  return `${day} ${time}`;
}
