// The period the History screen shows, as plain dates (`from === to` for a day), handed to the
// CSV buttons deep in its sections through Svelte context instead of a prop on every section.
export const HISTORY_DATES = Symbol('history-dates');

export type HistoryDates = { from: string; to: string };
