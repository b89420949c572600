import vue from '@vitejs/plugin-vue'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'

// Everything is bundled: counties run offline, so no CDN at run time.
export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus components imported where used; its CSS once, in main.ts.
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev` next to `qise up`: the console on :8000 forwards to the services and
    // says how to sign in (/auth/config); /auth/callback is the app itself (SPA fallback).
    proxy: { '/api': 'http://127.0.0.1:8000', '/auth/config': 'http://127.0.0.1:8000' },
  },
})
