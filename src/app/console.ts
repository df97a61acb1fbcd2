import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:web` (run by `prepare` on install) leaves the console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

// ECharts writes tooltip styles inline, hence 'unsafe-inline' for styles only.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Kemai</title>
<p style="font:16px system-ui;margin:3rem">The Kemai console is not built. Run <code>npm run build:web</code> and restart the server.
The API is at <a href="/docs">/docs</a>.</p>`;

// Client routes may hold dots (a username like lin.xiao); only these endings mean a file.
const STATIC_FILE = /\.(js|mjs|css|map|html|json|txt|svg|png|jpe?g|gif|webp|ico|woff2?|br|gz)$/i;

/**
 * Paths that must not fall back to the console: the API and docs keep their JSON 404, and a
 * missing file (a chunk from an older build, say) must fail as a 404, not load as HTML.
 */
function isNotConsoleRoute(url: string): boolean {
  if (url === '/api' || url.startsWith('/api/') || url === '/docs' || url.startsWith('/docs/')) return true;
  return url.startsWith('/assets/') || STATIC_FILE.test(url);
}

function setHeaders(reply: FastifyReply, file: string) {
  // Vite fingerprints everything under assets/, so those never change; index.html must be revalidated.
  const hashed = file.split(path.sep).includes('assets');
  reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
  if (file.endsWith('.html')) reply.header('content-security-policy', CSP);
}

/**
 * Serves the console (web/dist) on the API's origin: its files as they are, and index.html for
 * any other GET outside /api and /docs so client-side routes survive a reload. Public: the
 * console's assets hold no data; every API call it makes is checked by the API.
 */
export async function consolePlugin(app: FastifyInstance, opts: { root?: string }) {
  const root = opts.root ?? CONSOLE_DIR;
  const built = fs.existsSync(path.join(root, 'index.html'));
  if (!built) app.log.warn({ root }, 'console not built; run npm run build:web');
  else {
    await app.register(fastifyStatic, {
      root,
      // One route per built file, so unknown paths reach the fallback below instead of a 404.
      wildcard: false,
      index: false,
      // The build writes .br/.gz twins of the bundles; send those to browsers that accept them.
      preCompressed: true,
      globIgnore: ['**/*.br', '**/*.gz'],
      cacheControl: false,
      setHeaders,
    });
  }

  app.get('/*', { schema: { hide: true }, config: { auth: 'public' } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    if (isNotConsoleRoute(url)) return reply.callNotFound();
    if (!built) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  });
}
