// History: the report of one day, or of a period of days, in the range's time zone
// (src-tauri/core/src/history.rs). The window calls the commands of src-tauri/src/commands.rs, a
// browser `/api/history/...` (src-tauri/core/src/http/board/history.rs); both reach the same
// Desk methods. Dates are `YYYY-MM-DD`; a date that does not exist is refused (`bad_request`).
import type { DayReport } from '../bindings/DayReport';
import type { PeriodReport } from '../bindings/PeriodReport';
import { call, query, seg } from './transport';

export function historyDay(date: string): Promise<DayReport> {
  return call({ command: 'history_day', args: { date } }, { method: 'GET', path: `/api/history/${seg(date)}` });
}

/** The days from `from` to `to` inclusive, with the previous period matched by weekday. */
export function historyRange(from: string, to: string): Promise<PeriodReport> {
  return call({ command: 'history_range', args: { from, to } }, { method: 'GET', path: `/api/history${query({ from, to })}` });
}
