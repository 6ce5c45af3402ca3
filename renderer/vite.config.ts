// Vite config for the renderer. Root is renderer/, output goes to <repo>/dist/renderer.
// base './' so the same build loads from file:// (Electron) and from http://127.0.0.1:PORT/ (agent).
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));

// index.html carries the strict CSP as a <meta>. The dev server needs inline scripts (React refresh
// preamble) and injected <style> tags, so the meta is removed while serving, never in the build.
function devWithoutCsp(): Plugin {
  return {
    name: 'mamori-dev-without-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, '');
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline polyfill script; the CSP forbids inline scripts and Chromium supports modulepreload.
    modulePreload: { polyfill: false },
    // Keep every asset a file (img-src allows data:, but fonts/CSS should stay same-origin files).
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
  server: { host: '127.0.0.1', strictPort: false },
});
