import { defineConfig } from 'vite';

// The dashboard is served by clearance at /ui/ (embedded into the binary).
export default defineConfig({
  base: '/ui/',
  build: {
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
});
