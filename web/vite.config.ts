import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The console is built into internal/webui/dist, which the Go binary embeds (and git keeps,
// so `go build` needs no Node). File names carry content hashes: the same sources and lock
// file give the same files, and CI checks the committed build matches.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../internal/webui/dist',
    emptyOutDir: true,
    manifest: 'manifest.json',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        // One chunk for the editor so every screen that edits code shares it.
        manualChunks(id) {
          if (id.includes('node_modules/@codemirror') || id.includes('node_modules/@lezer') || id.includes('node_modules/style-mod') || id.includes('node_modules/w3c-keyname') || id.includes('node_modules/crelt')) {
            return 'editor';
          }
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      '/graphql': 'http://127.0.0.1:8080',
      '/auth': 'http://127.0.0.1:8080',
      '/http': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    // The machine is shared: generous per-test time, no timing asserts.
    testTimeout: 20000,
  },
});
