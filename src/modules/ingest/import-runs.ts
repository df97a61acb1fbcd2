import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { importErrors, importRuns, stagedRows } from './db/ingest.schema.js';
import type { ReportedIssue } from './domain/record-building.js';

export type ImportRun = typeof importRuns.$inferSelect;

const RETRYABLE = new Set(['23505', '40P01', '40001']);

export interface Counters {
  rowsRead: number;
  rowsSkipped: number;
  rowsFailed: number;
  created: number;
  updated: number;
  unchanged: number;
}

export const zeroCounters = (): Counters => ({ rowsRead: 0, rowsSkipped: 0, rowsFailed: 0, created: 0, updated: 0, unchanged: 0 });

export interface StagedRow {
  groupKey: string;
  line: number;
  data: unknown;
}

export interface RunIdentity {
  runKey: string;
  kind: string;
  filePath: string;
  fileSize: number;
  fileMtime: Date;
  headSha256: string;
  mapping: unknown;
}

/**
 * Where a run keeps its progress. The database store commits a chunk's staged rows, its errors
 * and the checkpoint that passes them in one transaction; the memory store (imports through a
 * running server) cannot resume, and relies on every write being an idempotent replay.
 */
export interface RunStore {
  readonly resumable: boolean;
  begin(identity: RunIdentity, restart: boolean): Promise<ImportRun>;
  commit(
    run: ImportRun,
    step: { line?: number; key?: string; phase?: string; staged?: StagedRow[]; errors: ReportedIssue[]; counters: Counters },
    tx?: Db,
  ): Promise<void>;
  /**
   * Run `fn` in one transaction that `commit(…, tx)` can join (database store only). A
   * transaction that loses a race with a concurrent writer (unique violation, deadlock,
   * serialization failure) is run again from the start, so `fn` must not keep state outside it.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  nextGroups(run: ImportRun, afterKey: string | null, limit: number): Promise<Array<{ groupKey: string; rows: Array<{ line: number; data: unknown }> }>>;
  /** Staged rows still to write (for the progress bar). */
  stagedAfter(run: ImportRun, afterKey: string | null): Promise<number>;
  finish(run: ImportRun): Promise<ImportRun>;
  errors(run: ImportRun): AsyncGenerator<ReportedIssue[]>;
}

export class DbRunStore implements RunStore {
  readonly resumable = true;
  constructor(private readonly db: Db) {}

  async begin(identity: RunIdentity, restart: boolean): Promise<ImportRun> {
    const [existing] = await this.db.select().from(importRuns).where(eq(importRuns.runKey, identity.runKey));
    if (existing && !restart) return existing;
    if (existing) await this.discard(existing.id);
    const [run] = await this.db
      .insert(importRuns)
      .values({ id: newId(), ...identity })
      .returning();
    return run!;
  }

  private async discard(runId: string) {
    await this.db.transaction(async (tx) => {
      await tx.delete(stagedRows).where(eq(stagedRows.runId, runId));
      await tx.delete(importErrors).where(eq(importErrors.runId, runId));
      await tx.delete(importRuns).where(eq(importRuns.id, runId));
    });
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          // The chunk and its checkpoint commit together, so a commit lost to a server crash is
          // a chunk the resumed import reads again: no need to wait for the WAL flush.
          if (copyClient(tx)) await tx.execute(sql`set local synchronous_commit = off`);
          return fn(tx);
        });
      } catch (e) {
        const code = (e as { code?: unknown; cause?: { code?: unknown } }).code ?? (e as { cause?: { code?: unknown } }).cause?.code;
        if (attempt >= 4 || !RETRYABLE.has(String(code))) throw e;
      }
    }
  }

  async commit(run: ImportRun, step: Parameters<RunStore['commit']>[1], outer?: Db): Promise<void> {
    const c = step.counters;
    const inTx = (fn: (tx: Db) => Promise<void>) => (outer ? fn(outer) : this.db.transaction(fn));
    await inTx(async (tx) => {
      const client = copyClient(tx);
      if (client && step.staged?.length) await copyStaged(client, run.id, step.staged);
      else await insertStaged(tx, run.id, step.staged ?? []);
      for (let i = 0; i < step.errors.length; i += 2000) {
        const slice = step.errors.slice(i, i + 2000);
        await tx.execute(sql`
          insert into ingest.import_errors (run_id, line, field, reason)
          select ${run.id}::uuid, r.line, r.field, r.reason
          from jsonb_to_recordset(${JSON.stringify(slice)}::jsonb) as r(line int, field text, reason text)
          on conflict do nothing`);
      }
      await tx
        .update(importRuns)
        .set({
          ...(step.line !== undefined ? { checkpointLine: step.line } : {}),
          ...(step.key !== undefined ? { checkpointKey: step.key } : {}),
          ...(step.phase !== undefined ? { phase: step.phase } : {}),
          rowsRead: sql`${importRuns.rowsRead} + ${c.rowsRead}`,
          rowsSkipped: sql`${importRuns.rowsSkipped} + ${c.rowsSkipped}`,
          rowsFailed: sql`${importRuns.rowsFailed} + ${c.rowsFailed}`,
          created: sql`${importRuns.created} + ${c.created}`,
          updated: sql`${importRuns.updated} + ${c.updated}`,
          unchanged: sql`${importRuns.unchanged} + ${c.unchanged}`,
          updatedAt: sql`now()`,
        })
        .where(eq(importRuns.id, run.id));
    });
    if (step.line !== undefined) run.checkpointLine = step.line;
    if (step.key !== undefined) run.checkpointKey = step.key;
    if (step.phase !== undefined) run.phase = step.phase;
  }

  async nextGroups(run: ImportRun, afterKey: string | null, limit: number) {
    // Groups with rows to write; a group's line-0 marker rows ride along with them.
    const keys = await this.db
      .selectDistinct({ k: stagedRows.groupKey })
      .from(stagedRows)
      .where(and(eq(stagedRows.runId, run.id), gt(stagedRows.line, 0), afterKey === null ? undefined : gt(stagedRows.groupKey, afterKey)))
      .orderBy(asc(stagedRows.groupKey))
      .limit(limit);
    if (keys.length === 0) return [];
    const rows = await query<{ group_key: string; line: number; data: unknown }>(
      this.db,
      sql`select group_key, line, data from ingest.staged_rows
          where run_id = ${run.id} and group_key in (select jsonb_array_elements_text(${JSON.stringify(keys.map((k) => k.k))}::jsonb))
          order by group_key, line`,
    );
    const groups: Array<{ groupKey: string; rows: Array<{ line: number; data: unknown }> }> = [];
    for (const r of rows) {
      const g = groups.at(-1);
      if (g && g.groupKey === r.group_key) g.rows.push({ line: r.line, data: r.data });
      else groups.push({ groupKey: r.group_key, rows: [{ line: r.line, data: r.data }] });
    }
    return groups;
  }

  async stagedAfter(run: ImportRun, afterKey: string | null): Promise<number> {
    const [row] = await query<{ n: number }>(
      this.db,
      sql`select count(*)::int as n from ingest.staged_rows where run_id = ${run.id} and line > 0 ${afterKey === null ? sql`` : sql`and group_key > ${afterKey}`}`,
    );
    return row!.n;
  }

  async finish(run: ImportRun): Promise<ImportRun> {
    return this.db.transaction(async (tx) => {
      await tx.delete(stagedRows).where(eq(stagedRows.runId, run.id));
      const [done] = await tx
        .update(importRuns)
        .set({ status: 'completed', phase: 'done', finishedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(importRuns.id, run.id))
        .returning();
      return done!;
    });
  }

  async *errors(run: ImportRun): AsyncGenerator<ReportedIssue[]> {
    let after = { line: 0, field: '' };
    for (;;) {
      const page = await query<ReportedIssue>(
        this.db,
        sql`select line, field, reason from ingest.import_errors
            where run_id = ${run.id} and (line, field) > (${after.line}, ${after.field})
            order by line, field limit 5000`,
      );
      if (page.length === 0) return;
      yield page;
      after = page.at(-1)!;
    }
  }
}

/** PGlite: jsonb_to_recordset keeps it one statement with 3 parameters whatever the chunk size. */
async function insertStaged(tx: Db, runId: string, rows: StagedRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const slice = rows.slice(i, i + 2000);
    await tx.execute(sql`
      insert into ingest.staged_rows (run_id, group_key, line, data)
      select ${runId}::uuid, r.k, r.l, r.d
      from jsonb_to_recordset(${JSON.stringify(slice.map((s) => ({ k: s.groupKey, l: s.line, d: s.data })))}::jsonb) as r(k text, l int, d jsonb)
      on conflict do nothing`);
  }
}

/** The node-postgres connection under a drizzle transaction (PostgreSQL); PGlite has none. */
function copyClient(tx: Db): pg.ClientBase | undefined {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  return client instanceof pg.Client ? client : undefined;
}

/**
 * Staged rows go in with COPY on PostgreSQL, in the chunk's transaction. A replayed chunk cannot
 * collide: it is only replayed when its transaction (and so this COPY) did not commit.
 */
async function copyStaged(client: pg.ClientBase, runId: string, rows: StagedRow[]): Promise<void> {
  let text = '';
  for (const r of rows) text += `${runId}\t${copyField(r.groupKey)}\t${r.line}\t${copyField(JSON.stringify(r.data))}\n`;
  const stream = client.query(copyFrom('copy ingest.staged_rows (run_id, group_key, line, data) from stdin'));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(text);
  });
}

function copyField(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : s;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** For imports through a running server: progress lives in this process only. */
export class MemoryRunStore implements RunStore {
  readonly resumable = false;
  private run: ImportRun | undefined;
  private readonly errorList: ReportedIssue[] = [];

  async begin(identity: RunIdentity): Promise<ImportRun> {
    this.run = {
      id: newId(),
      ...identity,
      status: 'running',
      phase: 'read',
      checkpointLine: 0,
      checkpointKey: null,
      ...zeroCounters(),
      startedAt: new Date(),
      updatedAt: new Date(),
      finishedAt: null,
    };
    return this.run;
  }

  async transaction<T>(): Promise<T> {
    throw new Error('transactions need the database');
  }

  async commit(run: ImportRun, step: Parameters<RunStore['commit']>[1]): Promise<void> {
    if (step.staged?.length) throw new Error('staging needs the database');
    for (const e of step.errors) this.errorList.push(e);
    for (const k of Object.keys(step.counters) as Array<keyof Counters>) run[k] += step.counters[k];
    if (step.line !== undefined) run.checkpointLine = step.line;
  }

  async nextGroups(): Promise<never[]> {
    return [];
  }

  async stagedAfter(): Promise<number> {
    return 0;
  }

  async finish(run: ImportRun): Promise<ImportRun> {
    run.status = 'completed';
    run.finishedAt = new Date();
    return run;
  }

  async *errors(): AsyncGenerator<ReportedIssue[]> {
    yield [...this.errorList].sort((a, b) => a.line - b.line || a.field.localeCompare(b.field));
  }
}
