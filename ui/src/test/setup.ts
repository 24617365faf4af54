// jsdom lays nothing out and has no ResizeObserver, which Svelte's `bind:clientWidth` uses. A
// browser always has one; here it reports nothing, so measured sizes stay 0 and the board's CSS
// (auto-fill columns) decides, as it does before the first measurement in a browser.
if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}
