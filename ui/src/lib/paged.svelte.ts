// A newest-first log read page by page (the activity feed, the delivery log): reload keeps as many
// rows as are shown so older ones stay put, "show older" appends the next page without listing a
// row twice, and a failed read leaves the rows and says why.
import * as api from './api';

/** One read: newest first, below `before` when given, at most `limit` rows. */
export type Fetch<T> = (q: { before?: number; limit: number }) => Promise<api.Page<T>>;

export class PagedLog<T extends { id: number }> {
  rows = $state<T[]>([]);
  nextBefore = $state<number | null>(null);
  problem = $state<string | null>(null);

  constructor(
    private readonly fetch: Fetch<T>,
    private readonly pageSize: number,
    /** Sees every page read, e.g. to collect filter suggestions. */
    private readonly seen: (items: T[]) => void = () => {},
  ) {}

  /** The newest rows again, as many as are shown (a page at least). */
  reload = async (): Promise<void> => {
    const want = Math.min(1000, Math.max(this.pageSize, this.rows.length));
    try {
      const page = await this.fetch({ limit: want });
      this.rows = page.items;
      this.nextBefore = page.next_before;
      this.seen(page.items);
      this.problem = null;
    } catch (e) {
      this.problem = `${api.errorCode(e)}: ${api.errorMessage(e)}`;
    }
  };

  older = async (): Promise<void> => {
    if (this.nextBefore === null) return;
    try {
      const page = await this.fetch({ before: this.nextBefore, limit: this.pageSize });
      // A reload racing this page may already hold some of it: never list one row twice.
      const have = new Set(this.rows.map((r) => r.id));
      this.rows = [...this.rows, ...page.items.filter((r) => !have.has(r.id))];
      this.nextBefore = page.next_before;
      this.seen(page.items);
    } catch (e) {
      this.problem = `${api.errorCode(e)}: ${api.errorMessage(e)}`;
    }
  };

  /** The filter changed: start again from the newest. */
  refilter = (): void => {
    this.rows = [];
    void this.reload();
  };
}
