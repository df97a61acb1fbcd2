import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { actorOf, appendAudit } from '../audit.js';
import { pgliteSnapshot, type BackupManifest } from '../db/backup.js';
import type { Database } from '../db/database.js';
import { conflict } from '../errors.js';

/**
 * `POST /api/v1/ops/backup`: a snapshot of the embedded (PGlite) database, streamed as a tar.gz, for `kemai backup`
 * while this server holds the data directory (PGlite is single-process). Admin only (privacy:admin: the snapshot holds
 * every customer's personal data); audited as ops.backup. With PostgreSQL, `kemai backup` runs pg_dump itself.
 */
export function registerBackupRoutes(app: FastifyInstance, deps: { database: Database; dataDir: string }): void {
  app.post(
    '/api/v1/ops/backup',
    {
      config: { scope: 'privacy:admin' },
      schema: {
        tags: ['ops'],
        summary: 'Snapshot of the embedded database (tar.gz that `kemai restore` and PGlite loadDataDir read); the manifest is also in the X-Kemai-Backup-Manifest header (base64 JSON)',
      },
    },
    async (req, reply) => {
      const { database } = deps;
      if (database.kind !== 'pglite' || !database.pglite)
        throw conflict('ops.backup_postgres', 'This server uses PostgreSQL: run `kemai backup` with DATABASE_URL set (it runs pg_dump)');
      const actor = actorOf(req.principal);
      const audit = async (m: BackupManifest) => {
        await appendAudit(database.db, {
          actor,
          action: 'ops.backup',
          targetType: 'database',
          targetId: m.database,
          details: { format: m.format, via: 'server', customers: m.rows.customers, orders: m.rows.orders, ledgerEntries: m.rows.ledgerEntries },
        });
      };
      const { manifest, stream } = await pgliteSnapshot(database.pglite, path.basename(path.resolve(deps.dataDir)), { audit });
      reply.header('content-type', 'application/gzip');
      reply.header('x-kemai-backup-manifest', Buffer.from(JSON.stringify(manifest), 'utf8').toString('base64'));
      reply.header('cache-control', 'no-store');
      return reply.send(stream);
    },
  );
}
