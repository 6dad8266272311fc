/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// local-dev listens here by default; `npm run dev` proxies the API, the
// WebSocket and the runtime config to it so the SPA runs on Vite's origin.
const backend = process.env.CHAT_BACKEND_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/ws': { target: backend, changeOrigin: true, ws: true },
      '/config.json': { target: backend, changeOrigin: true },
    },
  },
  build: {
    target: 'es2022',
    // No source maps in the published build: they would ship the whole source to the CDN
    // (`npm run dev` still serves them: the dev server always does).
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
  },
});
