import { bigint, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const ingestSchema = pgSchema('ingest');

/**
 * One import of one file. The run key hashes what makes a rerun "the same import" (kind, path,
 * size, mtime, first 64 KiB, mapping), so running the same command again resumes it.
 */
export const importRuns = ingestSchema.table('import_runs', {
  id: uuid('id').primaryKey(),
  runKey: text('run_key').notNull().unique(),
  kind: text('kind').notNull(),
  filePath: text('file_path').notNull(),
  fileSize: bigint('file_size', { mode: 'number' }).notNull(),
  fileMtime: timestamp('file_mtime', { withTimezone: true }).notNull(),
  headSha256: text('head_sha256').notNull(),
  mapping: jsonb('mapping').notNull(),
  status: text('status').notNull().default('running'), // running | completed
  /** read: rows go to staging (grouped kinds) or straight to the module; write: staged groups go out. */
  phase: text('phase').notNull().default('read'),
  /** Last source line whose rows are committed; a resumed run skips up to here. */
  checkpointLine: integer('checkpoint_line').notNull().default(0),
  /** Last group key written in the write phase. */
  checkpointKey: text('checkpoint_key'),
  rowsRead: bigint('rows_read', { mode: 'number' }).notNull().default(0),
  rowsSkipped: bigint('rows_skipped', { mode: 'number' }).notNull().default(0),
  rowsFailed: bigint('rows_failed', { mode: 'number' }).notNull().default(0),
  created: bigint('created', { mode: 'number' }).notNull().default(0),
  updated: bigint('updated', { mode: 'number' }).notNull().default(0),
  unchanged: bigint('unchanged', { mode: 'number' }).notNull().default(0),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/** The rows a run could not import, committed with the checkpoint that passed them. */
export const importErrors = ingestSchema.table(
  'import_errors',
  {
    runId: uuid('run_id').notNull(),
    line: integer('line').notNull(),
    field: text('field').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.line, t.field] })],
);

/**
 * Rows of grouped kinds wait here until the whole file is read, so a record whose lines are
 * scattered over the file still becomes one record: all rows of returns; for orders only the rows
 * the orders module deferred, plus line-0 markers for orders whose earlier rows matched the stored
 * order. Removed when the run completes.
 * Logged, not unlogged: PGlite runs inside the importing process, so a kill -9 is a database
 * crash that empties unlogged tables, and the resume would have to read the file from the top.
 */
export const stagedRows = ingestSchema.table(
  'staged_rows',
  {
    runId: uuid('run_id').notNull(),
    groupKey: text('group_key').notNull(),
    line: integer('line').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [index('staged_rows_group_idx').on(t.runId, t.groupKey, t.line)],
);
