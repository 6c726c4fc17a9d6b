import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

// The Go server (walkthrough serve) listens here by default; `npm run dev`
// proxies the API and the operations endpoints to it.
const backend = 'http://127.0.0.1:8080';

const themeColor = '#0f4c5c'; // keep in step with index.html and scripts/make-icons.mjs
const backgroundColor = '#f6f8f9';

export default defineConfig({
  plugins: [
    preact(),
    VitePWA({
      strategies: 'generateSW',
      // Updates are offered, never forced: a reload would lose what a teacher
      // is typing. src/components/UpdatePrompt.tsx asks first.
      registerType: 'prompt',
      // The bundled module registers the worker (virtual:pwa-register): no
      // inline script and no registerSW.js, so script-src 'self' holds.
      injectRegister: false,
      // The icons are listed in globPatterns; listing them again through the
      // manifest would precache them twice.
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'Walkthrough',
        short_name: 'Walkthrough',
        description: 'Classroom walkthroughs: score offline, sync when you can.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: themeColor,
        background_color: backgroundColor,
        icons: [
          { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: '/icons/icon-maskable.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'maskable' },
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // No webmanifest here: the plugin adds it to the precache itself.
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/metrics/, /^\/healthz/, /^\/readyz/],
        // Take control of the first visit so it works offline at once, but
        // leave a new version waiting until the user accepts it.
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  server: {
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/readyz': backend,
      '/metrics': backend,
    },
  },
  build: {
    // Hashed file names under assets/ are what the Go server caches as immutable.
    assetsDir: 'assets',
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
