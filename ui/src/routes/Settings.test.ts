import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import CatalogueEditor from '../components/settings/CatalogueEditor.svelte';
import type { Product } from '../lib/bindings/Product';
import { settingsView as view, URLS } from '../test/settings';
import Settings from './Settings.svelte';

afterEach(() => {
  clearMocks();
  vi.unstubAllGlobals();
  // The open tab is kept in the URL; each test starts on the first.
  history.replaceState(null, '', '#');
});

describe('Settings: connections', () => {
  it('shows keys only masked, and a key typed once is sent and then cleared, never shown', async () => {
    const secret = 'wh_sec_brand_new_secret_5678';
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings') {
        const v = view();
        v.samna.secrets.push({ hint: '…5678' });
        return { changed: ['samna.secrets'], applies_after_restart: [], settings: v };
      }
    });
    render(Settings);

    const samna = (await screen.findByText('Samna')).closest('article') as HTMLElement;
    expect(samna.textContent).toContain('key 1: …abcd');
    expect(samna.textContent).toContain('key 2: (set)');
    const field = samna.querySelector('input[type=password]') as HTMLInputElement;
    expect(field).toBeTruthy();
    await fireEvent.input(field, { target: { value: ` ${secret}\n` } });
    await fireEvent.click(samna.querySelector('button[type=submit]') as HTMLButtonElement);

    await waitFor(() => expect(samna.textContent).toContain('key 3: …5678'));
    expect(calls.find(([c]) => c === 'change_settings')?.[1]).toEqual({ section: 'samna', patch: { add_secret: secret } });
    expect(field.value, 'the field forgets the secret once saved').toBe('');
    expect(document.body.innerHTML).not.toContain(secret);
    expect(await screen.findByText('Saved and in effect now.')).toBeTruthy();
  });

  it('copies the URL to paste, or selects it when the clipboard is unavailable', async () => {
    mockIPC((cmd) => (cmd === 'settings' ? view() : undefined));
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    render(Settings);
    const enviso = (await screen.findByText('Enviso')).closest('article') as HTMLElement;
    const copy = Array.from(enviso.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Copy')!;
    await fireEvent.click(copy);
    expect(writeText).toHaveBeenCalledWith(URLS.enviso);
    await waitFor(() => expect(copy.textContent?.trim()).toBe('Copied'));

    vi.stubGlobal('navigator', { ...navigator, clipboard: undefined });
    const samna = screen.getByText('Samna').closest('article') as HTMLElement;
    const input = samna.querySelector('input[readonly]') as HTMLInputElement;
    await fireEvent.click(Array.from(samna.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Copy')!);
    expect(await screen.findByText('Selected — press Ctrl+C to copy.')).toBeTruthy();
    expect(document.activeElement).toBe(input);
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, URLS.samna.length]);
  });

  it('sends a test delivery through the core and says why it was refused', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'settings') return view({ enviso: { hmac_keys: [] } });
      if (cmd === 'send_test_delivery')
        return { source: 'enviso', accepted: false, status: 401, reason: 'no Enviso HMAC key is configured', trace_id: null };
    });
    render(Settings);
    const enviso = (await screen.findByText('Enviso')).closest('article') as HTMLElement;
    expect(enviso.textContent).toContain('0 HMAC keys configured: deliveries are refused');
    await fireEvent.click(screen.getAllByText('Send a test delivery')[1]);
    expect(await screen.findByText('Refused (401): no Enviso HMAC key is configured')).toBeTruthy();
    expect(calls.find(([c]) => c === 'send_test_delivery')?.[1]).toEqual({ source: 'enviso' });
    // The panel re-reads the settings so the last delivery shows the test at once.
    await waitFor(() => expect(calls.filter(([c]) => c === 'settings').length).toBe(2));
  });

  it('is read-only without the URLs for a browser that is not on the desk computer', async () => {
    mockIPC((cmd) => (cmd === 'settings' ? view({ can_change: false, hook_urls: null }) : undefined));
    render(Settings);
    expect(await screen.findByText(/shown read-only here/)).toBeTruthy();
    expect(screen.queryAllByText('Send a test delivery')).toEqual([]);
    expect(document.querySelectorAll('input[type=password]').length).toBe(0);
    expect(document.body.innerHTML).not.toContain('/hooks/');
  });
});

describe('Settings: saving', () => {
  it('shows the restart notice for a setting that applies after a restart', async () => {
    let calls = 0;
    mockIPC((cmd, args) => {
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings') {
        calls++;
        expect(args).toEqual({ section: 'server', patch: { board_listen: '0.0.0.0:8788', board_pin: '4821' } });
        const v = view({ restart_needed: ['server.board_listen', 'server.board_pin'] });
        v.server.board_pin_set = true;
        return { changed: ['server.board_listen', 'server.board_pin'], applies_after_restart: ['server.board_listen', 'server.board_pin'], settings: v };
      }
    });
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Board on the LAN' }));
    expect(location.hash, 'the tab is kept in the URL for a reload or bookmark').toBe('#settings/lan');
    const address = screen.getByLabelText(/Board address/) as HTMLInputElement;
    await fireEvent.input(address, { target: { value: '0.0.0.0:8788' } });
    expect(screen.getByText('Set a PIN to open the board beyond this computer.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText(/PIN/), { target: { value: '4821' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const notice = await screen.findByTestId('restart-notice');
    expect(notice.textContent).toContain('board address, board PIN');
    expect(notice.textContent).toContain('Restart rangedesk to apply');
    expect(screen.getByText(/applies after rangedesk restarts/)).toBeTruthy();
    expect(calls).toBe(1);
    expect(document.body.innerHTML).not.toContain('4821');
  });

  it('shows a refusal at the field whose key it names', async () => {
    mockIPC((cmd) => {
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings')
        throw { error: 'board.ageing_red_seconds: must be more than board.ageing_amber_seconds', code: 'bad_request', key: 'board.ageing_red_seconds' };
    });
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Purchases, fees, alerts' }));
    const fee = screen.getByLabelText(/Fee per hit/) as HTMLInputElement;
    await fireEvent.input(fee, { target: { value: '2.5' } });
    const red = screen.getByLabelText('Red after (seconds)') as HTMLInputElement;
    await fireEvent.input(red, { target: { value: '30' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save ageing' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'board.ageing_red_seconds: must be more than board.ageing_amber_seconds',
    );
    expect(red.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Amber after (seconds)').getAttribute('aria-invalid')).toBe('false');
    expect(red.value, 'what was typed stays, to be corrected').toBe('30');
    expect(fee.value, 'another section keeps its unsaved edit').toBe('2.5');
  });
});

describe('Settings: backups and data', () => {
  it('saves the backup folder through the core and shows its refusal at the folder', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings')
        throw { error: 'backup.folder: cannot be created or written: Permission denied', code: 'bad_request', key: 'backup.folder' };
    });
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Backups and data' }));
    const folder = screen.getByLabelText(/Backup folder/) as HTMLInputElement;
    await fireEvent.input(folder, { target: { value: ' /media/usb/rangedesk ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save backups' }));
    expect((await screen.findByRole('alert')).textContent).toBe('backup.folder: cannot be created or written: Permission denied');
    expect(folder.getAttribute('aria-invalid')).toBe('true');
    expect(calls.find(([cmd]) => cmd === 'change_settings')?.[1]).toEqual({
      section: 'backup',
      patch: { folder: '/media/usb/rangedesk', keep: 7, daily_at: '03:00' },
    });
  });
});

describe('Settings: drafts', () => {
  it('changes the range’s name, as the set-up gave it, trimmed', async () => {
    const patches: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'settings') return view({ server: { ...view().server, range_name: 'Lakeside' } });
      if (cmd === 'change_settings') {
        patches.push(args);
        const v = view();
        v.server.range_name = 'Lakeside Range';
        return { changed: ['server.range_name'], applies_after_restart: [], settings: v };
      }
    });
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Purchases, fees, alerts' }));
    const name = screen.getByLabelText('Shown beside rangedesk on every screen') as HTMLInputElement;
    expect(name.value, 'the saved name to start from').toBe('Lakeside');
    await fireEvent.input(name, { target: { value: ' Lakeside Range ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByText('Saved and in effect now.')).toBeTruthy();
    expect(patches).toEqual([{ section: 'server', patch: { range_name: 'Lakeside Range' } }]);
    expect(name.value).toBe('Lakeside Range');
  });

  it('a save resets only its own section, keeping another section being edited', async () => {
    mockIPC((cmd) => {
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings') {
        const v = view();
        v.board.ageing_red_seconds = 240;
        return { changed: ['board.ageing_red_seconds'], applies_after_restart: [], settings: v };
      }
    });
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Purchases, fees, alerts' }));
    const fee = screen.getByLabelText(/Fee per hit/) as HTMLInputElement;
    await fireEvent.input(fee, { target: { value: '2.5' } });
    await fireEvent.input(screen.getByLabelText('Red after (seconds)'), { target: { value: '240' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save ageing' }));
    expect(await screen.findByText('Saved and in effect now.')).toBeTruthy();
    expect((screen.getByLabelText('Red after (seconds)') as HTMLInputElement).value).toBe('240');
    expect(fee.value, 'the unsaved fee is not thrown away').toBe('2.5');
  });

  it('keeps an unsaved edit across a switch of tab', async () => {
    mockIPC((cmd) => (cmd === 'settings' ? view() : undefined));
    render(Settings);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Purchases, fees, alerts' }));
    await fireEvent.input(screen.getByLabelText(/Fee per hit/), { target: { value: '2.5' } });
    await fireEvent.click(screen.getByRole('tab', { name: 'Board on the LAN' }));
    await fireEvent.input(screen.getByLabelText(/Board address/), { target: { value: '0.0.0.0:8788' } });
    await fireEvent.click(screen.getByRole('tab', { name: 'Purchases, fees, alerts' }));
    // Each tab is its own component, gone while another is open; the drafts live in the screen.
    expect((screen.getByLabelText(/Fee per hit/) as HTMLInputElement).value, 'the fee typed before').toBe('2.5');
    await fireEvent.click(screen.getByRole('tab', { name: 'Board on the LAN' }));
    expect((screen.getByLabelText(/Board address/) as HTMLInputElement).value, 'the address typed before').toBe('0.0.0.0:8788');
  });
});

describe('Catalogue editor', () => {
  const CATALOGUE: Product[] = [
    { id: 'time', type: 'time', display_name: 'Lane time', price: 0.5, max_qty: 120, min_qty: 30, increment_by: 30 },
    { id: 'T-1', type: 'targets', display_name: 'Silhouette', price: 1.25, max_qty: 10 },
  ];

  it('checks as staff type, through the core, and shows which rule which row breaks', async () => {
    const checks: Product[][] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'products') return CATALOGUE;
      if (cmd === 'check_products') {
        const list = (args as { catalogue: Product[] }).catalogue;
        checks.push(list);
        if (list[1].price === 1.005)
          throw { error: 'T-1: price 1.005 has more than two decimals', code: 'bad_request', rule: 'price_decimals', index: 1 };
        return null;
      }
    });
    render(CatalogueEditor, { debounceMs: 30 });
    const price = (await screen.findByLabelText('Price of row 2')) as HTMLInputElement;
    for (const v of ['1.0', '1.00', '1.005']) await fireEvent.input(price, { target: { value: v } });

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Row 2: T-1: price 1.005 has more than two decimals');
    expect(alert.getAttribute('data-rule')).toBe('price_decimals');
    expect(document.querySelector('tr[data-row="1"]')?.classList.contains('invalid')).toBe(true);
    expect(document.querySelector('tr[data-row="0"]')?.classList.contains('invalid')).toBe(false);
    expect(checks.length, 'debounced: one check for three quick keystrokes').toBe(1);
    expect(checks[0][1].price).toBe(1.005);
    expect(checks[0][0]).toEqual(CATALOGUE[0]);
    expect((screen.getByRole('button', { name: 'Save catalogue' }) as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(price, { target: { value: '1.5' } });
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect((screen.getByRole('button', { name: 'Save catalogue' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a whole-list rule above the rows, over the browser API too', async () => {
    const bodies: unknown[] = [];
    // A browser: no Tauri internals.
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url === '/api/products') return new Response(JSON.stringify(CATALOGUE), { status: 200 });
        bodies.push(JSON.parse(String(init?.body)));
        return new Response(
          JSON.stringify({ error: 'the catalogue needs exactly one time product, not 0', code: 'bad_request', rule: 'time_count' }),
          { status: 400 },
        );
      }),
    );
    render(CatalogueEditor, { debounceMs: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Remove row 1' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('the catalogue needs exactly one time product, not 0');
    expect(alert.getAttribute('data-rule')).toBe('time_count');
    expect(bodies).toEqual([[CATALOGUE[1]]]);
  });
});

describe('Catalogue pictures', () => {
  it('uploads a picture and puts its public URL on the row, then checks the list', async () => {
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    const requests: Array<[string, RequestInit | undefined]> = [];
    const catalogue: Product[] = [
      { id: 'time', type: 'time', display_name: 'Lane time', price: 0.5, max_qty: 120, min_qty: 30, increment_by: 30 },
      { id: 'T-1', type: 'targets', display_name: 'Silhouette', price: 1.25, max_qty: 10 },
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        requests.push([url, init]);
        if (url === '/api/products') return new Response(JSON.stringify(catalogue), { status: 200 });
        if (url.endsWith('/picture'))
          return new Response(
            JSON.stringify({ id: 'T-1', content_type: 'image/webp', width: 512, height: 512, bytes: 4, path: '/hooks/action-target/tok/pictures/T-1' }),
            { status: 200 },
          );
        return new Response(JSON.stringify({ ok: true }), { status: 200 });
      }),
    );
    render(CatalogueEditor, { debounceMs: 0, publicOrigin: 'https://range.example.com/' });
    const file = new File([new Uint8Array([1, 2, 3, 4])], 't1.webp', { type: 'image/webp' });
    const input = (await screen.findByLabelText('Upload a picture for row 2')) as HTMLInputElement;
    await fireEvent.change(input, { target: { files: [file] } });

    const url = screen.getByLabelText('Picture URL of row 2') as HTMLInputElement;
    await waitFor(() => expect(url.value).toBe('https://range.example.com/hooks/action-target/tok/pictures/T-1'));
    const [path, init] = requests.find(([u]) => u.endsWith('/picture'))!;
    expect(path).toBe('/api/products/T-1/picture');
    expect(init?.method).toBe('PUT');
    // The board takes writes as same-origin JSON only, so the picture travels as base64 in JSON.
    expect((init?.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ content_type: 'image/webp', data_base64: 'AQIDBA==' });
    await waitFor(() => {
      const check = requests.find(([u]) => u === '/api/products/check');
      expect(JSON.parse(String(check?.[1]?.body))[1].picture_url).toBe(url.value);
    });
  });
});

describe('Action Target API settings', () => {
  it('saves the address and period, and a refresh never undoes what is being typed', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings') {
        const v = view();
        v.action_target.api_base = 'https://playground.action-target.net/api/v2/pos';
        return { changed: ['action_target.api_base', 'action_target.poll_seconds'], applies_after_restart: [], settings: v };
      }
      if (cmd === 'send_test_delivery') return { source: 'action_target', accepted: true, status: 200, reason: null, trace_id: 'tr-1' };
    });
    render(Settings);
    const base = (await screen.findByLabelText('API address')) as HTMLInputElement;
    expect(base.value).toBe('https://api');
    await fireEvent.input(base, { target: { value: ' https://playground.action-target.net/api/v2/pos ' } });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Send a test delivery' })[0]);
    // The test delivery re-reads the settings: the typed address stays.
    await waitFor(() => expect(calls.filter(([c]) => c === 'settings').length).toBe(2));
    expect(base.value).toBe(' https://playground.action-target.net/api/v2/pos ');
    await fireEvent.click(screen.getByRole('button', { name: 'Save API settings' }));
    await waitFor(() =>
      expect(calls.find(([c]) => c === 'change_settings')?.[1]).toEqual({
        section: 'action_target',
        patch: { api_base: 'https://playground.action-target.net/api/v2/pos', poll_seconds: 30 },
      }),
    );
    expect(await screen.findByText('Saved and in effect now.')).toBeTruthy();
  });

  it('says so when moving the address to another server removed the API key', async () => {
    mockIPC((cmd) => {
      if (cmd === 'settings') return view();
      if (cmd === 'change_settings') {
        const v = view();
        v.action_target.api_base = 'https://other.example/pos';
        v.action_target.api_key = null;
        return { changed: ['action_target.api_base', 'action_target.api_key'], applies_after_restart: [], settings: v };
      }
    });
    render(Settings);
    const base = (await screen.findByLabelText('API address')) as HTMLInputElement;
    await fireEvent.input(base, { target: { value: 'https://other.example/pos' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save API settings' }));
    const notice = await screen.findByText(/The API key was removed because the address now points at another server/);
    expect(notice.textContent).toContain('Saved and in effect now.');
  });
});
