// The window's API client: one function per IPC command of the desktop app
// (src-tauri/src/commands.rs). Every type comes from the Rust structs through
// ts-rs (./bindings); none is declared here by hand.
import { invoke } from '@tauri-apps/api/core';
import type { ApiError } from './bindings/ApiError';
import type { DeliveryQuery } from './bindings/DeliveryQuery';
import type { DeliveryRow } from './bindings/DeliveryRow';
import type { EventQuery } from './bindings/EventQuery';
import type { EventRow } from './bindings/EventRow';
import type { HookUrls } from './bindings/HookUrls';
import type { Page } from './bindings/Page';
import type { Status } from './bindings/Status';

export type { ApiError, DeliveryRow, EventRow, HookUrls, Page, Status };

export function hookUrls(): Promise<HookUrls> {
  return invoke<HookUrls>('hook_urls');
}

export function status(): Promise<Status> {
  return invoke<Status>('status');
}

export function deliveries(query: Partial<DeliveryQuery> = {}): Promise<Page<DeliveryRow>> {
  return invoke<Page<DeliveryRow>>('deliveries', { query });
}

export function events(query: Partial<EventQuery> = {}): Promise<Page<EventRow>> {
  return invoke<Page<EventRow>>('events', { query });
}

/** The stable `code` of an error from the core, or `ipc` when the call itself failed. */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    return String((err as ApiError).code);
  }
  return 'ipc';
}

/** A one-line description of any rejection, for the status line. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    return String((err as ApiError).message);
  }
  return String(err);
}
