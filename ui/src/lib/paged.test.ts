import { describe, expect, it } from 'vitest';
import { PagedLog } from './paged.svelte';

type Row = { id: number };
const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));

describe('PagedLog', () => {
  it('reads the newest page, appends older ones without repeating a row, and says why a read failed', async () => {
    const asked: Array<{ before?: number; limit: number }> = [];
    let fail = false;
    const log = new PagedLog<Row>(async (q) => {
      asked.push(q);
      if (fail) throw { code: 'store_unavailable', message: 'the store is busy' };
      // Rows 10..1, newest first; a reload that raced in row 7 already.
      return q.before === undefined
        ? { items: rows(10, 9, 8, 7), next_before: 8 }
        : { items: rows(7, 6, 5), next_before: null };
    }, 3);

    await log.reload();
    expect(log.rows.map((r) => r.id)).toEqual([10, 9, 8, 7]);
    await log.older();
    expect(log.rows.map((r) => r.id)).toEqual([10, 9, 8, 7, 6, 5]);
    expect(log.nextBefore).toBeNull();
    expect(asked[1]).toEqual({ before: 8, limit: 3 });

    fail = true;
    await log.reload();
    expect(asked[2]).toEqual({ limit: 6 }); // as many as are shown, so older rows stay put
    expect(log.rows).toHaveLength(6);
    expect(log.problem).toContain('the store is busy');
  });
});
