import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../lib/bindings/DeliveryRow';
import type { EventRow } from '../lib/bindings/EventRow';
import { at, board, lane } from '../test/fixtures';
import Activity from './Activity.svelte';
import Deliveries from './Deliveries.svelte';

const XSS = '<img src=x onerror=alert(1)>';

afterEach(() => {
  cleanup();
  clearMocks();
});

function event(over: Partial<EventRow>): EventRow {
  return {
    id: 1,
    delivery_id: 1,
    at: at(-60),
    source: 'action_target',
    origin: 'webhook',
    type: 'help',
    known: true,
    lane_id: 'L1',
    session_id: 'S1',
    subject: null,
    vendor_time: null,
    data: {},
    ...over,
  };
}

function delivery(over: Partial<DeliveryRow>): DeliveryRow {
  return {
    id: 1,
    trace_id: 'd-1',
    received_at: at(-30),
    source: 'samna',
    verdict: 'accepted',
    status: 200,
    reason: null,
    remote_addr: '203.0.113.9',
    headers: { 'x-samna-signature': 't=1,v1=ab' },
    body: '{"id":"evt_1"}',
    body_is_utf8: true,
    body_bytes: 14,
    body_sha256: null,
    body_truncated: false,
    ...over,
  };
}

/** The window, answering `events`/`deliveries` with `rows` and recording each query. */
function desktop<T>(cmdName: string, rows: T[]) {
  const queries: Array<Record<string, unknown>> = [];
  mockIPC(
    (cmd, args) => {
      if (cmd === cmdName) {
        queries.push((args as { query: Record<string, unknown> }).query);
        return { items: rows, next_before: rows.length >= 2 ? 1 : null };
      }
      if (cmd === 'board') return board({ lanes: [lane({ lane_id: 'L1', name: 'Lane 1' })] });
      return {};
    },
    { shouldMockEvents: true },
  );
  return queries;
}

describe('Activity feed', () => {
  it('shows every event in words with lane names, and filters by source, type and lane', async () => {
    const queries = desktop('events', [
      event({ id: 3, type: 'staffModifySession', origin: 'staff', data: { by: 'Sam', minutes: 15, outcome: 'ok' } }),
      event({ id: 2, type: XSS, known: false, source: 'enviso', lane_id: null, session_id: null, subject: XSS }),
    ]);
    const { container } = render(Activity);
    const table = within(await screen.findByRole('region', { name: 'Events, newest first' }));
    await waitFor(() => expect(table.getAllByRole('row')).toHaveLength(3));
    const rows = table.getAllByRole('row').slice(1);
    expect(rows[0].textContent).toContain('Desk changed the session time · by Sam · +15 min · done');
    expect(rows[0].textContent).toContain('Lane 1');
    expect(rows[1].textContent).toContain(XSS);
    expect(container.querySelector('img')).toBeNull();
    expect(queries[0]).toEqual({ source: null, type: null, lane: null, limit: 100 });

    const filters = within(screen.getByRole('form', { name: 'Filter events' }));
    await fireEvent.change(filters.getByLabelText('Source'), { target: { value: 'enviso' } });
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ source: 'enviso' }));
    // Typing, then leaving the field (or Enter): as a person does it.
    await fireEvent.input(filters.getByLabelText('Type'), { target: { value: ' PASS_SCANNED ' } });
    await fireEvent.change(filters.getByLabelText('Type'));
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ source: 'enviso', type: 'PASS_SCANNED' }));
    await fireEvent.change(filters.getByLabelText('Lane'), { target: { value: 'L1' } });
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ lane: 'L1' }));
    // Older pages continue from the answer's cursor.
    await fireEvent.click(screen.getByRole('button', { name: 'Show older events' }));
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ before: 1, limit: 100 }));
  });
});

describe('Delivery log', () => {
  it('shows verdicts, reasons, headers and raw bodies as text, and filters by verdict', async () => {
    const queries = desktop('deliveries', [
      delivery({ id: 2, verdict: 'rejected', status: 401, reason: XSS, body: XSS, body_bytes: XSS.length }),
      delivery({ id: 1 }),
    ]);
    const { container } = render(Deliveries);
    const log = within(await screen.findByRole('region', { name: 'Delivery log, newest first' }));
    await waitFor(() => expect(log.getAllByRole('row')).toHaveLength(3));
    const rejected = container.querySelector('[data-delivery-id="2"]') as HTMLElement;
    expect(rejected.dataset.verdict).toBe('rejected');
    expect(rejected.textContent).toContain(XSS);
    expect(within(rejected).getAllByText(XSS).map((e) => e.tagName)).toContain('PRE');
    const accepted = container.querySelector('[data-delivery-id="1"]') as HTMLElement;
    expect(accepted.textContent).toContain('x-samna-signature');
    expect(accepted.textContent).toContain('203.0.113.9');
    expect(container.querySelector('img')).toBeNull();
    await fireEvent.change(screen.getByLabelText('Verdict'), { target: { value: 'rejected' } });
    await waitFor(() => expect(queries.at(-1)).toEqual({ source: null, verdict: 'rejected', limit: 50 }));
  });
});
