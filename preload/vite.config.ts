// Bundles the preload into one CommonJS file, dist/preload/index.cjs: a sandboxed preload can require
// only 'electron' (and a few Node built-ins), never local files. Run: vite build --config preload/vite.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    lib: {
      entry: fileURLToPath(new URL('./index.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    outDir: fileURLToPath(new URL('../dist/preload', import.meta.url)),
    emptyOutDir: false,
    target: 'chrome120',
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
