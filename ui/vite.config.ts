/// <reference types="vitest/config" />
// Vite builds ui/dist for the Tauri shell (relative paths: the app loads it from its own
// protocol) and runs the unit tests in jsdom.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  base: './',
  plugins: [vue()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: 'es2021',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    css: false,
    server: { deps: { inline: ['vant'] } },
  },
});
