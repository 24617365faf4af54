// The settings screens' calls, over the same two transports as ./api.ts: IPC commands in the
// window (src-tauri/src/settings.rs), the browser API in a browser (`/api/settings…`,
// `/api/products…`). Refusals arrive in three shapes (ApiError over IPC, SettingsRefusal with its
// `key`, CatalogueRefusal with its `rule` and `index`); `refusal` turns each into one.
import { invoke } from '@tauri-apps/api/core';
import { HttpFailure, http, inWindow } from './api';
import type { CatalogueRule } from './bindings/CatalogueRule';
import type { Picture } from './bindings/Picture';
import type { Product } from './bindings/Product';
import type { SettingsChanged } from './bindings/SettingsChanged';
import type { SettingsView } from './bindings/SettingsView';
import type { Source } from './bindings/Source';
import type { TestDeliveryResult } from './bindings/TestDeliveryResult';

export type { CatalogueRule, Picture, Product, SettingsChanged, SettingsView, Source, TestDeliveryResult };

/** A settings section: `PUT /api/settings/{section}`. */
export type Section =
  | 'server'
  | 'action_target'
  | 'enviso'
  | 'samna'
  | 'purchases'
  | 'board'
  | 'notifications'
  | 'carrier_hits';

/** Any refusal from the core, with the setting (`key`) or catalogue rule and row it is about. */
export type Refusal = {
  message: string;
  code: string;
  key: string | null;
  rule: CatalogueRule | null;
  index: number | null;
};

export function refusal(err: unknown): Refusal {
  const o: Record<string, unknown> =
    err instanceof HttpFailure
      ? { ...((err.body as object | null) ?? {}), error: err.message, code: err.code }
      : typeof err === 'object' && err !== null
        ? (err as Record<string, unknown>)
        : { error: String(err) };
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    message: text(o.error) ?? text(o.message) ?? String(err),
    code: text(o.code) ?? 'ipc',
    key: text(o.key),
    rule: text(o.rule) as CatalogueRule | null,
    index: typeof o.index === 'number' ? o.index : null,
  };
}

export function settings(): Promise<SettingsView> {
  return inWindow() ? invoke<SettingsView>('settings') : http('GET', '/api/settings');
}

/** Saves `patch` (the keys to change) into one section; refused whole with the key at fault. */
export function changeSettings(section: Section, patch: Record<string, unknown>): Promise<SettingsChanged> {
  return inWindow()
    ? invoke<SettingsChanged>('change_settings', { section, patch })
    : http('PUT', `/api/settings/${section}`, patch);
}

export function sendTestDelivery(source: Source): Promise<TestDeliveryResult> {
  return inWindow()
    ? invoke<TestDeliveryResult>('send_test_delivery', { source })
    : http('POST', `/api/settings/test-delivery/${source}`);
}

export function products(): Promise<Product[]> {
  return inWindow() ? invoke<Product[]>('products') : http('GET', '/api/products');
}

export function replaceProducts(catalogue: Product[]): Promise<Product[]> {
  return inWindow() ? invoke<Product[]>('replace_products', { catalogue }) : http('PUT', '/api/products', catalogue);
}

/** Resolves when `catalogue` keeps every rule; rejects with the refusal a save would get. */
export async function checkProducts(catalogue: Product[]): Promise<void> {
  if (inWindow()) await invoke('check_products', { catalogue });
  else await http('POST', '/api/products/check', catalogue);
}

/** Uploads a product picture (JPEG or WebP); the answer's `path` is where lane screens fetch it. */
export async function uploadPicture(id: string, file: Blob): Promise<Picture> {
  const bytes = new Uint8Array(await readBytes(file));
  if (inWindow()) {
    // Raw bytes, not a JSON array of numbers; the id and type ride in headers.
    return invoke<Picture>('upload_picture', bytes, { headers: { 'x-product-id': id, 'x-picture-type': file.type } });
  }
  // The board takes writes as JSON only (see `http`), so the bytes travel as base64.
  return http<Picture>('PUT', `/api/products/${encodeURIComponent(id)}/picture`, {
    content_type: file.type,
    data_base64: toBase64(bytes),
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** A file's bytes; FileReader where `Blob.arrayBuffer` is missing (older WebKitGTK, jsdom). */
function readBytes(file: Blob): Promise<ArrayBuffer> {
  if (typeof file.arrayBuffer === 'function') return file.arrayBuffer();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsArrayBuffer(file);
  });
}
