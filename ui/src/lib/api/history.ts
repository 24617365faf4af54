// History: the report of one day, or of a period of days, in the range's time zone
// (src-tauri/core/src/history.rs). The window calls the commands of src-tauri/src/commands.rs, a
// browser `/api/history/...` (src-tauri/core/src/http/board/history.rs); both reach the same
// Desk methods. Dates are `YYYY-MM-DD`; a date that does not exist is refused (`bad_request`).
import type { DayReport } from '../bindings/DayReport';
import type { PeriodReport } from '../bindings/PeriodReport';
import type { SavedFile } from '../bindings/SavedFile';
import { call, query, seg } from './transport';

export function historyDay(date: string): Promise<DayReport> {
  return call({ command: 'history_day', args: { date } }, { method: 'GET', path: `/api/history/${seg(date)}` });
}

/** The days from `from` to `to` inclusive, with the previous period matched by weekday. */
export function historyRange(from: string, to: string): Promise<PeriodReport> {
  return call({ command: 'history_range', args: { from, to } }, { method: 'GET', path: `/api/history${query({ from, to })}` });
}

/**
 * The window saves one table of the report (`from === to` for a day) as CSV in the user's
 * Downloads folder and says where; a browser downloads the table's `path` instead.
 */
export function saveHistoryCsv(from: string, to: string, table: string): Promise<SavedFile> {
  return call(
    { command: 'save_history_csv', args: { from, to, table } },
    { windowOnly: 'a browser downloads the table from its link' },
  );
}
