import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../lib/api';
import DeliveriesTable from './DeliveriesTable.svelte';

const ATTACK = '<img src=x onerror=alert(1)>';

function delivery(overrides: Partial<DeliveryRow> = {}): DeliveryRow {
  return {
    id: 1,
    trace_id: 'd-1',
    received_at: '2026-03-01T10:15:00Z',
    source: 'samna',
    verdict: 'rejected',
    status: 401,
    reason: 'bad signature',
    remote_addr: '203.0.113.9',
    headers: {},
    body: '{}',
    body_is_utf8: true,
    body_bytes: 2,
    body_sha256: null,
    body_truncated: false,
    ...overrides,
  } as DeliveryRow;
}

describe('DeliveriesTable', () => {
  it('shows a hostile reason and body as text, never as markup', () => {
    const { container } = render(DeliveriesTable, {
      rows: [delivery({ reason: ATTACK, body: ATTACK, body_bytes: ATTACK.length })],
    });

    // Anyone on the internet can post to the webhook URLs, so these strings are attacker-chosen:
    // rendered as markup they would run script inside the window that holds the IPC bridge.
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByText(ATTACK, { selector: 'td' })).toBeTruthy();
    expect(screen.getByText(ATTACK, { selector: 'pre' })).toBeTruthy();
  });

  it('shows each delivery with its source, verdict and status', () => {
    render(DeliveriesTable, {
      rows: [
        delivery({ id: 1, source: 'enviso', verdict: 'accepted', status: 200, reason: null }),
        delivery({ id: 2, source: 'action_target', verdict: 'duplicate', status: 200 }),
      ],
    });

    // Staff match these against the vendor portals, which use the vendors' own names.
    expect(screen.getByText('Enviso')).toBeTruthy();
    expect(screen.getByText('Action Target')).toBeTruthy();
    expect(screen.getByText('accepted')).toBeTruthy();
    expect(screen.getByText('duplicate')).toBeTruthy();
    expect(screen.getAllByRole('row')).toHaveLength(3);
  });

  it('says when a refused body is only its first 2 KiB, of how many bytes, and its hash', () => {
    const sha = 'ab'.repeat(32);
    render(DeliveriesTable, {
      rows: [
        delivery({ id: 1, body: 'x'.repeat(2048), body_bytes: 61440, body_truncated: true, body_sha256: sha }),
        delivery({ id: 2, verdict: 'accepted', status: 200, reason: null, body: '{}', body_bytes: 2 }),
      ],
    });

    // Refusals keep only 2 KiB so a flood cannot fill the disk; the screen must not pass the cut
    // text off as the whole body, and the hash lets staff match it against what the sender says.
    expect(screen.getByText('body (first 2 KiB of 61440 bytes)')).toBeTruthy();
    expect(screen.getByText(`SHA-256 of the whole body: ${sha}`)).toBeTruthy();
    expect(screen.getByText('body (2 bytes)')).toBeTruthy();
  });

  it('says so when nothing has arrived yet', () => {
    render(DeliveriesTable, { rows: [] });

    // An empty table looks like a broken screen to someone checking a new installation.
    expect(screen.getByText('No deliveries yet.')).toBeTruthy();
  });
});
