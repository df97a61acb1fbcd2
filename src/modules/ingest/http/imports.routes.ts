import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../../platform/errors.js';
import { IMPORT_KINDS, KIND_FIELDS } from '../domain/import-kinds.js';
import { IMPORT_PRESETS } from '../domain/import-presets.js';
import { MappingSpec } from '../ingest.schemas.js';
import { KIND_SCOPES, type ImportsService } from '../imports.service.js';

/** Body types an upload may have; the body is the file itself, streamed to disk. */
export const UPLOAD_TYPES = ['text/csv', 'text/plain', 'application/x-ndjson', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];

const StartBody = z.object({
  kind: z.enum(IMPORT_KINDS),
  mapping: MappingSpec,
  preset: z.string().min(1).optional(),
});

/**
 * Imports from the console (`imports:write`, which only admins have; starting an import also needs
 * the write scope of the kind it writes, e.g. `orders:write` for orders).
 */
export function registerImportsRoutes(root: FastifyInstance, imports: ImportsService) {
  const tags = ['imports'];
  root.register(async (scoped) => {
    // Only here: the file streams from the request to disk, never whole into memory.
    scoped.addContentTypeParser(UPLOAD_TYPES, { bodyLimit: imports.limitBytes }, (_req, payload, done) => done(null, payload));
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/imports',
      {
        config: { scope: 'imports:write' },
        bodyLimit: imports.limitBytes,
        schema: {
          tags,
          summary: 'Upload a CSV or NDJSON file (.gz too) to import',
          description:
            'The request body is the file (`content-type: text/csv`, `application/x-ndjson`, `application/gzip` or ' +
            '`application/octet-stream`), at most KEMAI_IMPORT_LIMIT_BYTES. Answers its header, the first 20 rows, rows among ' +
            'them that cannot be read, the detected encoding and delimiter, and a suggested mapping (a preset whose columns ' +
            'the file has, or columns named like the fields of a kind).',
          querystring: z.object({ name: z.string().trim().min(1).max(200).describe('the file name, e.g. orders-2025-11.csv') }),
        },
      },
      async (req, reply) => {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > imports.limitBytes)
          throw new AppError('payload_too_large', 'ingest.file_too_large', `The file is larger than the ${imports.limitBytes} bytes an import may have (KEMAI_IMPORT_LIMIT_BYTES)`);
        if (!req.body || typeof (req.body as Readable).pipe !== 'function')
          throw new AppError('validation', 'ingest.not_a_file', `Send the file itself as the body, with content-type ${UPLOAD_TYPES.slice(0, 4).join(', ')}`);
        const view = await imports.upload(req.body as Readable, {
          name: req.query.name,
          contentType: req.headers['content-type'] ?? '',
          uploadedBy: req.principal!.name,
        });
        reply.status(201);
        return view;
      },
    );
  });

  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/imports/kinds',
    { config: { scope: 'imports:write' }, schema: { tags, summary: 'What each kind of file imports into, and the presets' } },
    async () => ({
      kinds: IMPORT_KINDS.map((kind) => ({
        kind,
        scope: KIND_SCOPES[kind],
        fields: Object.entries(KIND_FIELDS[kind].fields).map(([name, type]) => ({ name, type, required: KIND_FIELDS[kind].required.includes(name) })),
        open: KIND_FIELDS[kind].open,
      })),
      presets: Object.entries(IMPORT_PRESETS).map(([name, p]) => ({ name, kind: p.kind, description: p.description, mapping: p.mapping })),
    }),
  );

  app.get(
    '/api/v1/imports',
    {
      config: { scope: 'imports:write' },
      schema: {
        tags,
        summary: 'Recent imports, newest first',
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(20),
        }),
      },
    },
    async (req) => imports.list(req.query.page, req.query.pageSize),
  );

  const params = z.object({ id: z.string() });
  app.get(
    '/api/v1/imports/:id',
    { config: { scope: 'imports:write' }, schema: { tags, summary: 'Status and counters of an import', params } },
    async (req) => imports.status(req.params.id),
  );

  app.get(
    '/api/v1/imports/:id/preview',
    { config: { scope: 'imports:write' }, schema: { tags, summary: 'The upload answer again: header, first rows, suggested mapping', params } },
    async (req) => imports.view(req.params.id),
  );

  app.post(
    '/api/v1/imports/:id/start',
    {
      config: { scope: 'imports:write' },
      schema: {
        tags,
        summary: 'Import an uploaded file with a mapping (the same shape as `kemai import --mapping`)',
        description:
          'The mapping is checked against the file first: a column it names that the file lacks, or a required field left ' +
          'without a column or constant, is a 400 naming them and nothing is written. The import then runs in the server; ' +
          'poll GET /api/v1/imports/{id}. Starting a failed or interrupted import again resumes it.',
        params,
        body: StartBody,
      },
    },
    async (req, reply) => {
      const scope = KIND_SCOPES[req.body.kind];
      if (!req.principal!.scopes.has(scope as never))
        throw new AppError('forbidden', 'auth.missing_scope', `Importing ${req.body.kind} needs the ${scope} permission`, { scope });
      reply.status(202);
      return imports.start(req.params.id, req.body);
    },
  );

  app.get(
    '/api/v1/imports/:id/errors.csv',
    { config: { scope: 'imports:write' }, schema: { tags, summary: 'The error report: line, field, reason', params } },
    async (req, reply) => {
      const report = await imports.errorReport(req.params.id);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="errors.csv"; filename*=UTF-8''${encodeURIComponent(report.name)}`);
      return reply.send(fs.createReadStream(report.file));
    },
  );
}
