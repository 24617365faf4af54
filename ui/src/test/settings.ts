// A settings view as the core answers it: vendors configured, set-up done. Tests change what they
// are about with `over`.
import type { SettingsView } from '../lib/bindings/SettingsView';

export const URLS = {
  action_target: 'http://127.0.0.1:8787/hooks/action-target/tok',
  action_target_products: 'http://127.0.0.1:8787/hooks/action-target/tok/products',
  enviso: 'http://127.0.0.1:8787/hooks/enviso',
  samna: 'http://127.0.0.1:8787/hooks/samna',
};

export function settingsView(over: Partial<SettingsView> = {}): SettingsView {
  return {
    file: '/data/rangedesk.toml',
    server: {
      listen: '0.0.0.0:8787',
      board_listen: '127.0.0.1:8788',
      board_pin_set: false,
      tls_cert: '',
      tls_key: '',
      time_zone: '',
      header_timeout_seconds: 10,
      body_timeout_seconds: 10,
      max_connections: 1024,
      max_connections_per_client: 0,
      board_hosts: [],
      board_tls: false,
      range_name: '',
    },
    action_target: { api_base: 'https://api', api_key: { hint: '…9xyz' }, api_auth_header: 'Authorization', poll_seconds: 30 },
    enviso: { hmac_keys: [{ hint: '…k3y1' }] },
    samna: { secrets: [{ hint: '…abcd' }, { hint: null }], tolerance_seconds: 300 },
    purchases: {
      approval_window_seconds: 20,
      rules: { time: 'approve', targets: 'approve', ammo: 'ask', rentals: 'ask', unknown: 'ask' },
    },
    board: { ageing_amber_seconds: 60, ageing_red_seconds: 180, lan_can_act: false },
    notifications: {
      help: true,
      carrier_hit: true,
      purchase: true,
      ending_soon: true,
      overtime: true,
      vendor_silent: true,
      vendor_silent_minutes: 30,
      sound: false,
      ceasefire: true,
    },
    carrier_hits: { fee: 0 },
    backup: { folder: '', keep: 7, daily_at: '03:00' },
    store: { keep_bodies_days: 0 },
    setup: 'done',
    restart_needed: [],
    can_change: true,
    hook_urls: URLS,
    connections: [
      { source: 'action_target', keys: 1, last_delivery: null, last_accepted_at: null },
      { source: 'enviso', keys: 1, last_delivery: null, last_accepted_at: null },
      {
        source: 'samna',
        keys: 2,
        last_delivery: {
          trace_id: 't-1',
          received_at: '2026-03-01T10:00:00Z',
          verdict: 'accepted',
          status: 200,
          reason: null,
          test: true,
        },
        last_accepted_at: '2026-03-01T10:00:00Z',
      },
    ],
    action_target_api: { polling: true, last_poll_ok: '2026-03-01T10:00:00Z', last_error: null, last_error_at: null, stale: false },
    time_zones: ['Europe/Brussels', 'UTC'],
    system_time_zone: 'UTC',
    ...over,
  };
}
