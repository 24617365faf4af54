import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VisitView } from '../lib/bindings/VisitView';
import type { VisitsView } from '../lib/bindings/VisitsView';
import { at, board } from '../test/fixtures';
import Today from './Today.svelte';

const XSS = '<img src=x onerror=alert(1)>';

afterEach(() => {
  cleanup();
  clearMocks();
  vi.unstubAllGlobals();
});

function visit(over: Partial<VisitView>): VisitView {
  return {
    source: 'enviso',
    subject: 'bk-1',
    booking: null,
    status: 'booked',
    last_type: 'BOOKING_CREATED',
    first_at: at(-600),
    last_at: at(-600),
    events: 1,
    last_event_id: 1,
    ...over,
  };
}

function day(over: Partial<VisitsView> = {}): VisitsView {
  return {
    day: '2026-03-01',
    time_zone: 'Europe/Brussels',
    from: '2026-02-28T23:00:00Z',
    to: '2026-03-01T23:00:00Z',
    bookings: [visit({ subject: 'bk-2', status: 'cancelled', events: 2, last_event_id: 5 }), visit({ subject: XSS, last_event_id: 4 })],
    checkins: [visit({ source: 'samna', subject: 'ci-1', booking: 'sb-1', status: 'checked in', last_type: 'checkin_started' })],
    scans: [],
    truncated: false,
    ...over,
  };
}

describe('Today', () => {
  it('lists the day’s bookings, check-ins and scans from the window, vendor ids as text', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC(
      (cmd, args) => {
        calls.push([cmd, args]);
        if (cmd === 'visits') return day();
        if (cmd === 'board') return board();
        return {};
      },
      { shouldMockEvents: true },
    );
    const { container } = render(Today);
    const bookings = within(await screen.findByRole('region', { name: /Bookings/ }));
    expect(calls).toContainEqual(['visits', { day: null }]);
    expect(screen.getByText('2026-03-01')).toBeTruthy();
    const rows = bookings.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining('bk-2'), expect.stringContaining(XSS)]);
    expect(rows[0].textContent).toContain('cancelled (2)');
    const checkins = within(screen.getByRole('region', { name: /Check-ins/ }));
    expect(checkins.getByText('checked in')).toBeTruthy();
    expect(checkins.getByText('booking sb-1')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: /scans/ })).getByText('No scans today yet.')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
  });

  it('reads the day again when the board moves on', async () => {
    let n = 0;
    let last = 8;
    mockIPC(
      (cmd) => {
        if (cmd === 'visits') {
          n += 1;
          return n === 1 ? day() : day({ scans: [visit({ subject: 'pass-9', status: 'pass scanned', last_event_id: 9 })] });
        }
        if (cmd === 'board') return board({ last_event_id: last });
        return {};
      },
      { shouldMockEvents: true },
    );
    render(Today);
    await screen.findByRole('region', { name: /Bookings/ });
    await waitFor(() => expect(n).toBe(1));
    // The feed's first board is where it starts; a later one is news.
    await new Promise((r) => setTimeout(r, 50));
    last = 9;
    await emit('board-changed', 9);
    expect(await screen.findByText('pass-9', {}, { timeout: 3000 })).toBeTruthy();
  });

  it('asks a browser’s core at /api/visits', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        return new Response(JSON.stringify(url.startsWith('/api/visits') ? day() : board()));
      }),
    );
    vi.stubGlobal(
      'EventSource',
      class {
        static CLOSED = 2;
        readyState = 1;
        onerror = null;
        addEventListener() {}
        close() {}
      },
    );
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    render(Today);
    await screen.findByRole('region', { name: /Bookings/ });
    expect(urls).toContain('/api/visits');
  });
});
