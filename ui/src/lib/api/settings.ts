// The settings screens: read and change settings, send a test delivery, and edit the lane shop
// catalogue and its pictures (src-tauri/src/settings.rs in the window, `/api/settings…` and
// `/api/products…` in a browser, which may change them from the desk computer only).
import type { Picture } from '../bindings/Picture';
import type { Product } from '../bindings/Product';
import type { SettingsChanged } from '../bindings/SettingsChanged';
import type { SettingsSection } from '../bindings/SettingsSection';
import type { SettingsView } from '../bindings/SettingsView';
import type { Source } from '../bindings/Source';
import type { TestDeliveryResult } from '../bindings/TestDeliveryResult';
import { call, seg } from './transport';

export function settings(): Promise<SettingsView> {
  return call({ command: 'settings' }, { method: 'GET', path: '/api/settings' });
}

/** Saves `patch` (the keys to change) into one section; refused whole with the key at fault. */
export function changeSettings(section: SettingsSection, patch: Record<string, unknown>): Promise<SettingsChanged> {
  return call(
    { command: 'change_settings', args: { section, patch } },
    { method: 'PUT', path: `/api/settings/${section}`, body: patch },
  );
}

export function sendTestDelivery(source: Source): Promise<TestDeliveryResult> {
  return call(
    { command: 'send_test_delivery', args: { source } },
    { method: 'POST', path: `/api/settings/test-delivery/${source}` },
  );
}

export function products(): Promise<Product[]> {
  return call({ command: 'products' }, { method: 'GET', path: '/api/products' });
}

export function replaceProducts(catalogue: Product[]): Promise<Product[]> {
  return call({ command: 'replace_products', args: { catalogue } }, { method: 'PUT', path: '/api/products', body: catalogue });
}

/**
 * Resolves when `catalogue` keeps every rule; rejects with the refusal a save would get. The
 * answers differ (nothing from the window, `{"ok": true}` from the browser API) and say nothing more.
 */
export async function checkProducts(catalogue: Product[]): Promise<void> {
  await call<unknown>(
    { command: 'check_products', args: { catalogue } },
    { method: 'POST', path: '/api/products/check', body: catalogue },
  );
}

/** Uploads a product picture (JPEG or WebP); the answer's `path` is where lane screens fetch it. */
export async function uploadPicture(id: string, file: Blob): Promise<Picture> {
  const bytes = new Uint8Array(await readBytes(file));
  return call(
    // Raw bytes to the window, not a JSON array of numbers; the id and type ride in headers.
    { command: 'upload_picture', args: bytes, options: { headers: { 'x-product-id': id, 'x-picture-type': file.type } } },
    // The board takes writes as JSON only, so the bytes travel as base64.
    { method: 'PUT', path: `/api/products/${seg(id)}/picture`, body: { content_type: file.type, data_base64: toBase64(bytes) } },
  );
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
