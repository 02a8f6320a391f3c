import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Dev server only: answers `/v2/providers/{slug}/logo.svg` the way the core's local API does,
 * so the `?mock` preview shows provider tiles without the Rust app running.
 */
function devProviderLogos(): Plugin {
  const colours: Record<string, string> = {
    oura: '#1f2a44', withings: '#0b7a75', fitbit: '#0a8fa3', garmin: '#1d4ed8',
    polar: '#c2185b', whoop: '#27272a', strava: '#ea580c', dexcom: '#15803d',
  };
  return {
    name: 'vital-link-dev-provider-logos',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /^\/v2\/providers\/([a-z0-9_]+)\/logo\.svg/.exec(req.url ?? '');
        if (!m) return next();
        const slug = m[1];
        const initial = slug.charAt(0).toUpperCase();
        res.setHeader('content-type', 'image/svg+xml');
        res.end(
          `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
            `<rect width="64" height="64" rx="16" fill="${colours[slug] ?? '#475569'}"/>` +
            `<text x="32" y="42" text-anchor="middle" font-family="system-ui,Segoe UI,Helvetica,Arial,sans-serif" font-size="30" font-weight="700" fill="#fff">${initial}</text></svg>`,
        );
      });
    },
  };
}

/**
 * `/initialize.js`, the `window.Vital` runtime for `@tryvital/vital-link` (src/runtime/): a
 * classic script (IIFE), so it runs from a plain `<script src>` before the app. Rollup cannot
 * emit an IIFE next to the module entries of this build, so esbuild bundles it; the build emits
 * it as `dist/initialize.js` and the dev server answers `/initialize.js` with it.
 */
function vitalRuntime(): Plugin {
  const entry = `${root}src/runtime/initialize.ts`;
  const bundle = async (): Promise<string> => {
    const out = await esbuild({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      target: 'es2020',
      platform: 'browser',
      write: false,
      charset: 'utf8',
      legalComments: 'none',
      banner: { js: '/* Vital Link Desktop: the window.Vital runtime for @tryvital/vital-link. Served at /initialize.js; talks to its own origin only. */' },
    });
    return out.outputFiles[0].text;
  };
  return {
    name: 'vital-link-runtime',
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'initialize.js', source: await bundle() });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if ((req.url ?? '').split('?')[0] !== '/initialize.js') return next();
        bundle().then(
          (js) => {
            res.setHeader('content-type', 'text/javascript; charset=utf-8');
            res.end(js);
          },
          (e: unknown) => next(e),
        );
      });
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the console is loaded from tauri://localhost/ and the link page from
  // http://127.0.0.1:PORT/link/.
  base: './',
  plugins: [devProviderLogos(), vitalRuntime()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The local API serves the link page from dist/link/ alone, so everything that page loads
    // lives under link/assets/; only the console's own entry and stylesheet sit in assets/.
    rollupOptions: {
      input: {
        console: `${root}index.html`,
        link: `${root}link/index.html`,
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'console' ? 'assets/[name]-[hash].js' : 'link/assets/[name]-[hash].js'),
        chunkFileNames: 'link/assets/[name]-[hash].js',
        assetFileNames: (asset) =>
          asset.names.some((n) => n.startsWith('console')) ? 'assets/[name]-[hash][extname]' : 'link/assets/[name]-[hash][extname]',
      },
    },
  },
  server: { port: 5173 },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
