/**
 * Builds the console (src/web) into dist/web, where `vigil serve` serves it. No inline script or
 * style ends up in the output (the API's CSP has no 'unsafe-inline'): scripts and CSS are files,
 * the module-preload polyfill (an inline-free but needless extra) is off, and assets are never
 * inlined as data: URLs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
