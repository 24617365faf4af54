import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Status from './Status.svelte';

const URLS = {
  action_target: 'http://127.0.0.1:8787/hooks/action-target/tok',
  action_target_products: 'http://127.0.0.1:8787/hooks/action-target/tok/products',
  enviso: 'http://127.0.0.1:8787/hooks/enviso',
  samna: 'http://127.0.0.1:8787/hooks/samna',
};

const STATUS = {
  store_ok: true,
  public_addr: '127.0.0.1:8787',
  board_addr: '127.0.0.1:8788',
  data_dir: '/data',
  deliveries: [],
  refused_not_found: 0,
  refused_unlogged: 0,
  refusals_logging: 'on',
  data_free_bytes: 10_000_000_000,
  refusal_floor_bytes: 268_435_456,
  backup: {
    folder: '',
    keep: 7,
    daily_at: '03:00',
    last: null,
    overdue: false,
    last_failure: null,
    running: false,
    files: [],
    restore_staged: null,
  },
};

const LAST = {
  file: '/media/usb/rangedesk-20261201-030000Z.db',
  bytes: 5 * 1048576,
  taken_at: '2026-12-01T03:00:00Z',
  schema: 10,
  took_ms: 800,
  trigger: 'daily',
};

const EVENT = {
  id: 7,
  delivery_id: 3,
  at: '2026-03-01T10:15:00Z',
  source: 'action_target',
  origin: 'webhook',
  type: '<b onmouseover=alert(1)>helpRequest</b>',
  known: false,
  lane_id: 'lane-4',
  session_id: 'S-1',
  subject: null,
  vendor_time: null,
  data: {},
};

afterEach(() => {
  clearMocks();
  vi.unstubAllGlobals();
});

/** A browser (no Tauri internals) whose `/api/hook-urls` answers `hooks`; the rest as a healthy core. */
function browser(hooks: { status: number; body: unknown }) {
  delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
  const asked: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      asked.push(url);
      const path = url.split('?')[0];
      if (path === '/api/hook-urls') return new Response(JSON.stringify(hooks.body), { status: hooks.status });
      if (path === '/api/status') return new Response(JSON.stringify(STATUS), { status: 200 });
      return new Response(JSON.stringify({ items: [], next_before: null }), { status: 200 });
    }),
  );
  return asked;
}

describe('Status screen', () => {
  it('asks the desktop app for each panel by its command name and shows the answers', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      switch (cmd) {
        case 'hook_urls':
          return URLS;
        case 'status':
          return STATUS;
        case 'deliveries':
          return { items: [], next_before: null };
        case 'events':
          return { items: [EVENT], next_before: null };
      }
    });

    render(Status);

    // The names must match src-tauri/src/commands.rs and the `query` argument its parameter,
    // or the window shows nothing at all.
    expect(await screen.findByDisplayValue(URLS.samna)).toBeTruthy();
    expect(await screen.findByText('Accepting deliveries')).toBeTruthy();
    expect(calls.map(([cmd]) => cmd).sort()).toEqual(['deliveries', 'events', 'hook_urls', 'status']);
    expect(calls.find(([cmd]) => cmd === 'deliveries')?.[1]).toEqual({ query: { limit: 20 } });
    // An unknown event type is kept and shown, as text: the vendor chose it, not us.
    expect(await screen.findByText(EVENT.type)).toBeTruthy();
    expect(document.querySelector('b')).toBeNull();
  });

  it('says when refusals are only counted because the disk is nearly full', async () => {
    mockIPC((cmd) => {
      if (cmd === 'hook_urls') return URLS;
      if (cmd === 'status')
        return { ...STATUS, refusals_logging: 'paused_low_disk', data_free_bytes: 100 * 1048576, refused_unlogged: 42 };
      return { items: [], next_before: null };
    });

    render(Status);

    // Whoever looks at Status must learn why refusals stopped showing in the delivery log.
    expect((await screen.findByRole('alert')).textContent).toContain('Disk nearly full');
    expect(screen.getByRole('alert').textContent).toContain('100 MiB free');
    expect(screen.getByText('Refusals counted without a log row: 42')).toBeTruthy();
  });

  it('keeps the other panels when one call is refused, and says which', async () => {
    mockIPC((cmd) => {
      if (cmd === 'events') throw { code: 'store_unavailable', message: 'the store is unavailable' };
      if (cmd === 'hook_urls') return URLS;
      if (cmd === 'status') return STATUS;
      return { items: [], next_before: null };
    });

    render(Status);

    // Staff still need the URLs and the store's health when one list fails.
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      'Cannot refresh — store_unavailable: the store is unavailable',
    );
    expect(screen.getByDisplayValue(URLS.enviso)).toBeTruthy();
  });

  it('shows the webhook URLs in a browser on the desk PC, as Settings does', async () => {
    const asked = browser({ status: 200, body: URLS });
    render(Status);
    expect(await screen.findByDisplayValue(URLS.action_target)).toBeTruthy();
    expect(asked).toContain('/api/hook-urls');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says the URLs stay on the desk PC to a browser on the LAN, without an error or "Loading…"', async () => {
    const refused = { code: 'forbidden', message: 'the webhook URLs carry the hook token: they are shown on the desk PC only' };
    const asked = browser({ status: 403, body: refused });
    render(Status);
    expect(await screen.findByText(refused.message)).toBeTruthy();
    expect(await screen.findByText('Accepting deliveries')).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(asked.filter((u) => u === '/api/hook-urls')).toHaveLength(1);
  });

  it('saves the diagnostics zip from the window and says where it went', async () => {
    mockIPC((cmd) => {
      if (cmd === 'save_diagnostics') return { path: '/home/desk/Downloads/rangedesk-diagnostics-20261202-010000.zip', bytes: 2048 };
      if (cmd === 'hook_urls') return URLS;
      if (cmd === 'status') return STATUS;
      return { items: [], next_before: null };
    });
    render(Status);
    await fireEvent.click(await screen.findByRole('button', { name: 'Export diagnostics' }));
    expect(await screen.findByText('Saved to /home/desk/Downloads/rangedesk-diagnostics-20261202-010000.zip')).toBeTruthy();
  });

  it('offers the diagnostics as a download in a browser on the desk PC', async () => {
    browser({ status: 200, body: URLS });
    render(Status);
    const link = await screen.findByRole('link', { name: 'Export diagnostics' });
    expect(link.getAttribute('href')).toBe('/api/diagnostics');
  });

  it('shows the last backup, warns when none succeeded for 2 days, and backs up and restores on request', async () => {
    const calls: Array<[string, unknown]> = [];
    const backup = {
      ...STATUS.backup,
      folder: '/media/usb',
      last: LAST,
      overdue: true,
      files: [{ file: LAST.file, name: 'rangedesk-20261201-030000Z.db', bytes: LAST.bytes }],
    };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'hook_urls') return URLS;
      if (cmd === 'status') return { ...STATUS, backup };
      if (cmd === 'back_up_now') return { ...LAST, file: '/media/usb/rangedesk-20261203-101500Z.db', trigger: 'manual' };
      if (cmd === 'restore_backup') return { from: LAST.file, schema: 10, bytes: LAST.bytes, restart_needed: true };
      return { items: [], next_before: null };
    });

    render(Status);

    expect(await screen.findByText(LAST.file, { selector: 'p' })).toBeTruthy();
    expect(screen.getByText(/5\.0 MiB/, { selector: 'p' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('No backup has succeeded for 2 days.');

    (await screen.findByRole('button', { name: 'Back up now' })).click();
    expect(await screen.findByText(/Backed up to \/media\/usb\/rangedesk-20261203-101500Z\.db/)).toBeTruthy();
    expect(calls.some(([cmd]) => cmd === 'back_up_now')).toBe(true);

    // A restore takes a second click that says what it does.
    screen.getByRole('button', { name: 'Restore…' }).click();
    expect(calls.some(([cmd]) => cmd === 'restore_backup')).toBe(false);
    (await screen.findByRole('button', { name: /Replace the store with this backup/ })).click();
    expect(await screen.findByText(/Restart rangedesk to finish/)).toBeTruthy();
    expect(calls.find(([cmd]) => cmd === 'restore_backup')?.[1]).toEqual({ file: LAST.file });
  });

  it('shows in About the version of the workspace, the one the programs and packages carry', async () => {
    mockIPC((cmd) => {
      if (cmd === 'hook_urls') return URLS;
      if (cmd === 'status') return STATUS;
      return { items: [], next_before: null };
    });
    // Read from the root Cargo.toml, not from the generated constants the screen uses: a version
    // bump without regenerating the bindings must fail here (and in the Rust bindings test).
    const manifest = readFileSync('../Cargo.toml', 'utf8'); // vitest runs in ui/
    const version = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(manifest)?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+/);

    render(Status);

    const about = await screen.findByRole('region', { name: 'About' });
    expect(about.textContent).toContain(`rangedesk ${version}`);
  });
});
