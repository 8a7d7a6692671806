import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The web app of EchoCloud: built into web/dist and served by the API server at `/`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
