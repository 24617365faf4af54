import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import type { SettingsView } from '../lib/bindings/SettingsView';
import { board } from '../test/fixtures';
import { settingsView } from '../test/settings';
import Setup from './Setup.svelte';

afterEach(() => {
  cleanup();
  clearMocks();
  history.replaceState(null, '', '#');
});

/** A fresh install as the core answers it: no vendor key yet, the set-up at `step`. */
function fresh(step: SettingsView['setup']): SettingsView {
  return settingsView({
    setup: step,
    action_target: { api_base: 'https://api', api_key: null, api_auth_header: 'Authorization', poll_seconds: 30 },
    enviso: { hmac_keys: [] },
    samna: { secrets: [], tolerance_seconds: 300 },
    connections: (['action_target', 'enviso', 'samna'] as const).map((source) => ({
      source,
      keys: source === 'action_target' ? 1 : 0,
      last_delivery: null,
      last_accepted_at: null,
    })),
  });
}

/**
 * The core behind the window, kept just far enough to answer the set-up: saved changes change
 * the view it answers with, and a test delivery is refused until the vendor has a key, as the
 * listener refuses it (the verdict's words are the listener's, passed through).
 */
function core(start: SettingsView) {
  let v = structuredClone(start);
  const calls: Array<[string, Record<string, unknown>]> = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push([cmd, a]);
    if (cmd === 'settings') return v;
    if (cmd === 'board') return board();
    if (cmd === 'desktop_status') return { notices: [] };
    if (cmd === 'change_settings') {
      const patch = a.patch as Record<string, unknown>;
      v = structuredClone(v);
      if (a.section === 'setup') v.setup = patch.step as SettingsView['setup'];
      if (a.section === 'server') {
        if (patch.time_zone === 'Mars/Olympus') {
          throw { error: 'server.time_zone: not an IANA time zone name such as Europe/Brussels', code: 'bad_request', key: 'server.time_zone' };
        }
        v.server = { ...v.server, ...(patch as Partial<SettingsView['server']>) };
      }
      if (a.section === 'enviso') {
        v.enviso.hmac_keys.push({ hint: `…${String(patch.add_hmac_key).slice(-4)}` });
        v.connections[1].keys += 1;
      }
      return { changed: Object.keys(patch), applies_after_restart: [], settings: v };
    }
    if (cmd === 'send_test_delivery') {
      const source = a.source as 'action_target' | 'enviso' | 'samna';
      const keys = v.connections.find((c) => c.source === source)?.keys ?? 0;
      const accepted = keys > 0;
      const reason = accepted ? null : `no ${source === 'enviso' ? 'Enviso HMAC key' : 'Samna secret'} is configured`;
      v = structuredClone(v);
      const c = v.connections.find((x) => x.source === source)!;
      c.last_delivery = {
        trace_id: `d-${source}`,
        received_at: '2026-12-02T10:00:00Z',
        verdict: accepted ? 'accepted' : 'rejected',
        status: accepted ? 200 : 401,
        reason,
        test: true,
      };
      return { source, accepted, status: accepted ? 200 : 401, reason, trace_id: `d-${source}` };
    }
    return {};
  });
  return { calls, steps: () => calls.filter(([c, a]) => c === 'change_settings' && a.section === 'setup').map(([, a]) => (a.patch as { step: string }).step) };
}

const step = (name: string) => screen.findByRole('heading', { level: 2, name });

describe('first-run set-up', () => {
  it('walks name, zone and each vendor, saving every step reached, and ends on the board', async () => {
    const c = core(fresh('welcome'));
    const ondone = vi.fn();
    render(Setup, { view: fresh('welcome'), ondone });
    await step('Welcome to rangedesk');
    await fireEvent.click(screen.getByRole('button', { name: 'Set up this range' }));
    const title = await step('Your range');
    await waitFor(() => expect(document.activeElement, 'focus follows the step for screen readers').toBe(title));

    const name = screen.getByLabelText('Range name') as HTMLInputElement;
    const zone = screen.getByLabelText(/^Time zone/) as HTMLInputElement;
    expect(zone.value, 'an empty zone is offered as this computer’s').toBe('UTC');
    await fireEvent.input(name, { target: { value: '  Lakeside Range ' } });
    await fireEvent.input(zone, { target: { value: 'Mars/Olympus' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect((await screen.findByRole('alert')).textContent).toContain('server.time_zone');
    expect(zone.getAttribute('aria-invalid'), 'the field named by the refusal is marked').toBe('true');
    await fireEvent.input(zone, { target: { value: 'Europe/Brussels' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save and continue' }));
    await step('Action Target');
    const saved = c.calls.filter(([cmd, a]) => cmd === 'change_settings' && a.section === 'server').at(-1)!;
    expect(saved[1].patch).toEqual({ range_name: 'Lakeside Range', time_zone: 'Europe/Brussels' });
    expect((screen.getByLabelText('Webhook URL') as HTMLInputElement).value).toContain('/hooks/action-target/');
    await fireEvent.click(screen.getByRole('button', { name: 'Skip Action Target for now' }));

    await step('Enviso');
    await fireEvent.click(screen.getByRole('button', { name: 'Send a test delivery' }));
    expect((await screen.findByText(/^Refused/)).textContent).toContain('(401): no Enviso HMAC key is configured');
    // The connections are read again after a test: its last delivery is the refused test.
    await waitFor(() => expect(document.querySelector('article[data-vendor="enviso"] dd')?.textContent).toContain('refused'));
    await fireEvent.input(screen.getByLabelText('Add a HMAC key'), { target: { value: 'enviso-key-1234' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    expect(await screen.findByText('key 1: …1234')).toBeTruthy();
    expect(screen.queryByText('enviso-key-1234'), 'the key is never shown back').toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Send a test delivery' }));
    expect((await screen.findByText(/^Accepted by the listener/)).textContent).toContain('d-enviso');
    await fireEvent.click(screen.getByRole('button', { name: 'Continue' }));

    await step('Samna');
    await fireEvent.click(screen.getByRole('button', { name: 'Skip Samna for now' }));
    await step('Ready');
    expect(screen.getByText('Lakeside Range')).toBeTruthy();
    expect(document.querySelector('[data-vendor="enviso"]')?.textContent).toContain('HMAC key set — test delivery accepted');
    expect(document.querySelector('[data-vendor="samna"]')?.textContent).toContain('no signing secret (skipped)');
    expect(ondone).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Open the board' }));
    await waitFor(() => expect(ondone).toHaveBeenCalledOnce());
    expect(c.steps()).toEqual(['range', 'action_target', 'enviso', 'samna', 'finish', 'done']);
  });

  it('opens at the step saved when it was closed, with what was entered', async () => {
    const v = fresh('samna');
    v.server.range_name = 'Lakeside Range';
    core(v);
    render(Setup, { view: v, ondone: () => {} });
    await step('Samna');
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toBe('Samna');
    await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    await step('Enviso');
  });

  it('“Try the demo” says how to start it and changes nothing', async () => {
    const c = core(fresh('welcome'));
    render(Setup, { view: fresh('welcome'), ondone: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Try the demo first' }));
    expect(screen.getByText('rangedesk --demo')).toBeTruthy();
    expect(c.calls.filter(([cmd]) => cmd === 'change_settings')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Back to the set-up' }));
    expect(screen.getByRole('button', { name: 'Set up this range' })).toBeTruthy();
  });
});

describe('the app at start', () => {
  it('shows the set-up instead of the board while it is not done, then the board', async () => {
    const v = fresh('finish');
    v.server.range_name = 'Lakeside Range';
    core(v);
    render(App);
    await step('Ready');
    expect(screen.queryByRole('navigation'), 'no screens before the set-up is done').toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Open the board' }));
    const nav = await screen.findByRole('navigation', { name: 'Screens' });
    expect(nav.textContent, 'the range’s name beside the brand').toContain('Lakeside Range');
    expect(location.hash).toBe('#board');
  });

  it('shows the board to an install already set up, and to a client that may not change settings', async () => {
    core(fresh('done'));
    render(App);
    await screen.findByRole('navigation', { name: 'Screens' });
    cleanup();
    core({ ...fresh('welcome'), can_change: false, hook_urls: null });
    render(App);
    await screen.findByRole('navigation', { name: 'Screens' });
    expect(screen.queryByRole('heading', { level: 2, name: 'Welcome to rangedesk' })).toBeNull();
  });
});
