/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The same build serves the Tauri window and, later, browsers on the LAN.
// Tauri's dev mode loads `devUrl` (tauri.conf.json), so the port is fixed.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
  // Svelte must resolve its browser build under jsdom, or `mount` is unavailable.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Unmounts each test's components so one test's rows never leak into the next.
    setupFiles: ['@testing-library/svelte/vitest', './src/test/setup.ts'],
    // app.css is read as text by the layout and theme checks; Vitest blanks CSS it does not process.
    css: { include: [/app\.css/] },
  },
}));
