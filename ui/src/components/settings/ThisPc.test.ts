import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import ThisPc from './ThisPc.svelte';

afterEach(() => clearMocks());

describe('This PC', () => {
  it('turns starting with the PC on, then the tray, through the app’s own commands', async () => {
    const calls: Array<[string, unknown]> = [];
    let state = { enabled: false, minimised: false };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'set_autostart') state = { ...(args as typeof state) };
      return state;
    });
    render(ThisPc);
    const start = (await screen.findByLabelText('Start rangedesk when this PC starts')) as HTMLInputElement;
    const tray = screen.getByLabelText(/in the tray/) as HTMLInputElement;
    expect([start.checked, tray.disabled], 'off, and the tray choice waits for it').toEqual([false, true]);
    await fireEvent.click(start);
    await screen.findByLabelText('Start rangedesk when this PC starts');
    await expect.poll(() => start.checked).toBe(true);
    expect(tray.disabled).toBe(false);
    await fireEvent.click(tray);
    await expect.poll(() => tray.checked).toBe(true);
    expect(calls.filter(([c]) => c === 'set_autostart').map(([, a]) => a)).toEqual([
      { enabled: true, minimised: false },
      { enabled: true, minimised: true },
    ]);
  });

  it('says why it cannot change when the entry cannot be written', async () => {
    mockIPC((cmd) => {
      if (cmd === 'set_autostart') throw { code: 'cannot_save', message: 'cannot change the autostart entry: read-only' };
      return { enabled: false, minimised: false };
    });
    render(ThisPc);
    await fireEvent.click(await screen.findByLabelText('Start rangedesk when this PC starts'));
    expect((await screen.findByRole('alert')).textContent).toBe('Not changed: cannot change the autostart entry: read-only');
  });
});
