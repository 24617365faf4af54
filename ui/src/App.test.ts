import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { board } from './test/fixtures';
import { emptyPeriod } from './test/history';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('the app’s screens', () => {
  it('opens History at the URL’s period, and comes back to it after another screen', async () => {
    history.replaceState(null, '', '#history/2026-11-23..2026-11-24');
    mockIPC(
      (cmd) => {
        if (cmd === 'history_range') return emptyPeriod('2026-11-23', '2026-11-24', ['2026-11-23', '2026-11-24'], ['2026-11-16', '2026-11-17']);
        if (cmd === 'board') return board();
        if (cmd === 'desktop_status') return { notices: [] };
        if (cmd === 'events') return { items: [], next_before: null };
        return {};
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByRole('heading', { name: 'History', level: 1 });
    expect(screen.getByText('2026-11-23 to 2026-11-24 (2 days)')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Activity' }));
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    expect(location.hash).toBe('#activity');
    await fireEvent.click(screen.getByRole('button', { name: 'History' }));
    await waitFor(() => expect(location.hash).toBe('#history/2026-11-23..2026-11-24'));
    expect(await screen.findByText('2026-11-23 to 2026-11-24 (2 days)')).toBeTruthy();
  });
});
