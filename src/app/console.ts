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
<p style="font:16px system-ui;margin:3rem">The Kemai console is not built. Run <code>npm run build:web</code>, then reload this page.
The API is at <a href="/docs">/docs</a>.</p>`;

// A missing file (a chunk from an older build, say) must fail as a 404, not load as HTML.
// Client routes may hold dots (a username like lin.xiao); only these endings mean a file.
const STATIC_FILE = /\.(js|mjs|css|map|html|json|txt|svg|png|jpe?g|gif|webp|ico|woff2?)$/i;

/** The API and docs keep their own answers, including their JSON 404. */
function isServerPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url === '/docs' || url.startsWith('/docs/');
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
 * any other GET outside /api and /docs so client-side routes survive a reload. Files are looked up
 * per request, so a rebuilt console is live without a restart. Public: the console's assets hold
 * no data; every API call it makes is checked by the API.
 */
export async function consolePlugin(app: FastifyInstance, opts: { root?: string }) {
  const root = opts.root ?? CONSOLE_DIR;
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) app.log.warn({ root }, 'console not built; run npm run build:web');
  await app.register(fastifyStatic, {
    root,
    // No routes of its own: the one route below decides between a file and the console page.
    serve: false,
    // The build writes .br/.gz twins of the bundles; send those to browsers that accept them.
    preCompressed: true,
    cacheControl: false,
    setHeaders,
  });

  app.get('/*', { schema: { hide: true }, config: { auth: 'public' } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    // The .br/.gz twins are sent in place of their original, never on their own.
    if (isServerPath(url) || /\.(br|gz)$/.test(url)) return reply.callNotFound();
    // @fastify/send keeps the lookup inside root and answers a missing file with our JSON 404.
    if (url.startsWith('/assets/') || STATIC_FILE.test(url)) return reply.sendFile(url.slice(1));
    if (!fs.existsSync(index)) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  });
}
