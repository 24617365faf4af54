import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { render, screen } from '@testing-library/svelte';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
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

afterEach(() => clearMocks());

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
