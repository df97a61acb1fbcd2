import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { KIND_FIELDS, type ImportKind } from './domain/import-kinds.js';
import { compileMapping, type CompiledMapping, type RowIssue } from './domain/row-mapping.js';
import { buildGrouped, groupKey, locateIssues, nest, type MappedRow, type ReportedIssue } from './domain/record-building.js';
import type { MappingSpec } from './ingest.schemas.js';
import { zeroCounters, type Counters, type ImportRun, type RunStore } from './import-runs.js';
import { checkEncoding, fingerprint } from './read/file-source.js';
import { openRecords, type FileFormat } from './read/record-reader.js';
import type { BulkOutcome, RecordWriter, WriteOutcome } from './record-writers.js';
import { countOrdersIngested, writtenCount } from '../../platform/metrics.js';

export interface ImportRequest {
  kind: ImportKind;
  file: string;
  format?: FileFormat | undefined;
  delimiter?: string | undefined;
  encoding?: string | undefined;
  mapping: MappingSpec;
  /** Rows per chunk; each chunk is committed with its checkpoint. */
  chunkRows?: number | undefined;
  /** Pause after each committed chunk (ms): leaves a busy database room for other work. */
  pauseMs?: number | undefined;
  /** Forget an earlier run of the same import and start over. */
  restart?: boolean | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
}

export interface ImportProgress {
  phase: 'read' | 'write';
  rows: number;
  /** Share of the file read (0..1), by bytes. */
  fraction: number;
}

export interface ImportSummary {
  runId: string;
  kind: ImportKind;
  file: string;
  resumed: boolean;
  /** The same import had already completed; nothing was read again. */
  alreadyCompleted: boolean;
  rows: { read: number; imported: number; skipped: number; failed: number };
  records: { created: number; updated: number; unchanged: number };
  seconds: number;
  /** Of `seconds` in this process: reading (and staging) the file, then writing staged records. */
  phases: { readSeconds: number; writeSeconds: number };
}

export class ImportError extends Error {}

const GROUPS_PER_WRITE = 2000;

/**
 * `kemai import`: reads a CSV or NDJSON file as a stream, maps its rows onto a kind's input,
 * and writes them through the owning module, chunk by chunk, each chunk committed with a
 * checkpoint so that running the same command again resumes where it stopped. Rows of grouped
 * kinds (order lines) are staged first and written per order once the whole file is read.
 */
export class IngestService {
  constructor(
    private readonly store: RunStore,
    private readonly writer: RecordWriter,
    private readonly opts: { timeZone: string },
  ) {}

  async importFile(req: ImportRequest): Promise<ImportSummary> {
    const started = performance.now();
    const spec = KIND_FIELDS[req.kind];
    const file = path.resolve(req.file);
    if (!fs.existsSync(file)) throw new ImportError(`no such file: ${file}`);
    const format = req.format ?? req.mapping.format ?? formatOf(file);
    const encoding = req.encoding ?? req.mapping.encoding ?? 'utf8';
    const delimiter = req.delimiter ?? req.mapping.delimiter ?? ',';
    const badEncoding = checkEncoding(encoding);
    if (badEncoding) throw new ImportError(badEncoding);

    const fp = await fingerprint(file);
    const opened = await openRecords(file, { format, delimiter, encoding }).catch((e: Error) => {
      throw new ImportError(`${file}: ${e.message}`);
    });
    let mapping: CompiledMapping | undefined;
    const identityMapping = format === 'ndjson' && Object.keys(req.mapping.fields).length === 0;
    try {
      if (!identityMapping) mapping = compileMapping(req.kind, spec, req.mapping, opened.header, this.opts.timeZone);
    } catch (e) {
      opened.close();
      throw new ImportError((e as Error).message);
    }

    const runKey = crypto
      .createHash('sha256')
      .update(JSON.stringify([req.kind, fp.path, fp.size, fp.mtimeMs, fp.headSha256, format, delimiter, encoding, req.mapping]))
      .digest('hex');
    const run = await this.store.begin(
      {
        runKey,
        kind: req.kind,
        filePath: fp.path,
        fileSize: fp.size,
        fileMtime: new Date(fp.mtimeMs),
        headSha256: fp.headSha256,
        mapping: { format, delimiter, encoding, ...req.mapping },
      },
      req.restart ?? false,
    );
    const resumed = run.status !== 'completed' && (run.checkpointLine > 0 || run.phase !== 'read');
    if (run.status === 'completed') {
      opened.close();
      return this.summary(run, file, resumed, true, started);
    }

    const grouped = spec.group !== undefined && !(format === 'ndjson' && identityMapping);
    // Orders stream straight into the orders module chunk by chunk; only rows of orders that turn
    // out to be scattered over the file (or to differ from a stored order) are staged for later.
    const bulk = grouped && req.kind === 'orders' && this.store.resumable && this.writer.importOrders !== undefined;
    const ctx: ChunkContext = {
      run,
      kind: req.kind,
      mapping,
      grouped,
      bulk,
      runTag: `import:${run.id}`,
      staging: grouped && this.store.resumable && !bulk,
      sentKeys: new Map(),
      source: `import`,
      eventIdPrefix: fp.headSha256.slice(0, 16),
      columnOf: (target) => mapping?.fields.find((f) => f.target === target)?.column || undefined,
    };
    const chunkRows = req.chunkRows ?? (bulk ? 20_000 : 5000);
    const progress = (phase: 'read' | 'write', rows: number, fraction = opened.bytesRead() / Math.max(1, fp.size)) =>
      req.onProgress?.({ phase, rows, fraction: Math.min(1, fraction) });

    const phases = { readSeconds: 0, writeSeconds: 0 };
    if (run.phase === 'read') {
      let rows = 0;
      let chunk: MappedRow[] = [];
      let problems: ReportedIssue[] = [];
      let read = { rows: 0, skipped: 0 };
      let pending: Promise<void> | undefined;
      let lastKey: string | undefined;
      const flush = async (lastLine: number) => {
        const c = chunk;
        const p = problems;
        const r = read;
        chunk = [];
        problems = [];
        read = { rows: 0, skipped: 0 };
        // One chunk is written while the next is parsed: JS and the database work side by side.
        await pending;
        pending = this.readChunk(ctx, c, p, lastLine, r).then(() => pause(req.pauseMs));
      };
      let lastLine = run.checkpointLine;
      try {
        for await (const batch of opened.batches) {
          for (const pr of batch.problems) if (pr.line > run.checkpointLine) problems.push(pr);
          for (const rec of batch.records) {
            if (rec.line <= run.checkpointLine) continue;
            let row: MappedRow | undefined;
            if (!mapping) row = { line: rec.line, values: rec.cells as Record<string, unknown> };
            else if (!mapping.skip.some((sk) => sk.test(rec.cells))) {
              const { values, issues } = mapping.mapRow(rec.cells);
              row = issues.length ? { line: rec.line, values, issues } : { line: rec.line, values };
            }
            if (!ctx.staging && grouped) {
              // Without staging an order must not be cut in two: close the chunk between orders.
              const key = row ? groupKey(row.values, spec.group!.key) : lastKey;
              if (chunk.length >= chunkRows && key !== lastKey) await flush(lastLine);
              lastKey = key;
            } else if (chunk.length >= chunkRows) await flush(lastLine);
            rows++;
            read.rows++;
            if (row) chunk.push(row);
            else read.skipped++;
            lastLine = rec.line;
          }
          for (const pr of batch.problems) lastLine = Math.max(lastLine, pr.line);
          progress('read', rows);
        }
        await flush(lastLine);
        await pending;
      } finally {
        opened.close();
      }
      if (ctx.staging || ctx.bulk) await this.store.commit(run, { phase: 'write', errors: [], counters: zeroCounters() });
    } else opened.close();
    phases.readSeconds = (performance.now() - started) / 1000;

    if (ctx.staging || ctx.bulk) {
      let written = 0;
      const toWrite = req.onProgress ? await this.store.stagedAfter(run, run.checkpointKey) : 0;
      progress('write', 0, 0);
      let next = this.store.nextGroups(run, run.checkpointKey, GROUPS_PER_WRITE);
      for (;;) {
        const groups = await next;
        if (groups.length === 0) break;
        // Read the next groups while these are written.
        next = this.store.nextGroups(run, groups.at(-1)!.groupKey, GROUPS_PER_WRITE);
        const rows: MappedRow[][] = groups.map((g) =>
          g.rows.map((r) => (r.line === 0 ? { line: 0, values: {} } : unpackRow(mapping!, r.line, r.data as PackedRow))),
        );
        written += rows.reduce((s, r) => s + r.filter((x) => x.line > 0).length, 0);
        if (ctx.bulk) {
          await this.bulkChunk(ctx, rows, [], zeroCounters(), 'merge', { key: groups.at(-1)!.groupKey });
          await pause(req.pauseMs);
          progress('write', written, written / Math.max(1, toWrite));
          continue;
        }
        const counters = zeroCounters();
        const errors = await this.writeRecords(ctx, rows, counters);
        counters.rowsFailed = new Set(errors.map((e) => e.line)).size;
        await this.store.commit(run, { key: groups.at(-1)!.groupKey, errors, counters });
        await pause(req.pauseMs);
        progress('write', written, written / Math.max(1, toWrite));
      }
    }
    phases.writeSeconds = (performance.now() - started) / 1000 - phases.readSeconds;
    const done = await this.store.finish(run);
    return { ...this.summary(done, file, resumed, false, started), phases };
  }

  /** Write (or stage) one chunk of mapped rows, then commit its checkpoint. */
  private async readChunk(
    ctx: ChunkContext,
    mapped: MappedRow[],
    problems: ReportedIssue[],
    lastLine: number,
    read: { rows: number; skipped: number },
  ): Promise<void> {
    const counters = zeroCounters();
    counters.rowsRead = read.rows + new Set(problems.map((p) => p.line)).size;
    counters.rowsSkipped = read.skipped;
    const errors: ReportedIssue[] = [...problems];

    if (!ctx.grouped) {
      const bad = mapped.filter((m) => m.issues);
      for (const m of bad) errors.push(...m.issues!.map((i) => ({ line: m.line, field: i.field, reason: i.reason })));
      const good = mapped.filter((m) => !m.issues);
      errors.push(...(await this.writeRecords(ctx, good.map((g) => [g]), counters)));
    } else {
      const key = KIND_FIELDS[ctx.kind].group!.key;
      const groups = new Map<string, MappedRow[]>();
      const staged: Array<{ groupKey: string; line: number; data: unknown }> = [];
      for (const m of mapped) {
        const k = groupKey(m.values, key);
        if (k === undefined) {
          const missing = key.filter((f) => typeof m.values[f] !== 'string' || m.values[f] === '');
          errors.push({ line: m.line, field: ctx.columnOf(missing[0]!) ?? missing[0]!, reason: `${missing.join(', ')}: required (it says which record the row belongs to)` });
          continue;
        }
        if (ctx.staging) staged.push({ groupKey: k, line: m.line, data: packRow(ctx.mapping!, m) });
        else {
          const g = groups.get(k);
          if (g) g.push(m);
          else groups.set(k, [m]);
        }
      }
      if (ctx.staging) {
        counters.rowsFailed = new Set(errors.map((e) => e.line)).size;
        await this.store.commit(ctx.run, { line: lastLine, staged, errors, counters });
        return;
      }
      if (ctx.bulk) {
        await this.bulkChunk(ctx, [...groups.values()], errors, counters, 'stream', { line: lastLine });
        return;
      }
      const fresh: MappedRow[][] = [];
      for (const [k, rows] of groups) {
        const earlier = ctx.sentKeys.get(k);
        if (earlier === undefined) {
          ctx.sentKeys.set(k, rows[0]!.line);
          fresh.push(rows);
          continue;
        }
        const reason = `the rows of this record are not together: its earlier rows (from line ${earlier}) were already imported. Sort the file by ${key.join(', ')}, or stop the server so the import can group a scattered file itself`;
        for (const r of rows) errors.push({ line: r.line, field: ctx.columnOf(key[1]!) ?? key[1]!, reason });
      }
      errors.push(...(await this.writeRecords(ctx, fresh, counters)));
    }
    counters.rowsFailed = new Set(errors.map((e) => e.line)).size;
    await this.store.commit(ctx.run, { line: lastLine, errors, counters });
  }

  /**
   * One chunk of orders and its checkpoint in one transaction. In the stream phase an order the
   * orders module defers (its key is already stored: more rows of an order this run created, or
   * an order whose stored content differs, which may be only part of it) has its rows staged;
   * once the file is read, the merge phase writes the staged orders whole.
   */
  private async bulkChunk(
    ctx: ChunkContext,
    groups: MappedRow[][],
    earlier: ReportedIssue[],
    counters: Counters,
    phase: 'stream' | 'merge',
    checkpoint: { line?: number; key?: string },
  ): Promise<void> {
    const key = KIND_FIELDS[ctx.kind].group!.key;
    const base = { ...counters };
    let written = 0;
    await this.store.transaction(async (tx) => {
      const c = { ...base };
      const errors = [...earlier];
      const staged: Array<{ groupKey: string; line: number; data: unknown }> = [];
      const items: Array<Record<string, unknown>> = [];
      const sent: Array<{ rows: MappedRow[]; continues: boolean }> = [];
      const continuing = new Set<string>();
      for (const all of groups) {
        // Merge phase: a marker (line 0) says the order's earlier rows matched the stored order.
        const rows = all.filter((r) => r.line > 0);
        const continues = rows.length < all.length;
        const withIssues = rows.filter((r) => r.issues?.length);
        if (withIssues.length) {
          errors.push(...rowIssues(ctx, rows, withIssues));
          continue;
        }
        const item = buildGrouped(rows);
        if (continues) continuing.add(JSON.stringify([String(item.channel).trim(), String(item.externalId).trim()]));
        items.push(item);
        sent.push({ rows, continues });
      }
      if (items.length > 0) {
        let outcomes: BulkOutcome[];
        try {
          outcomes = await this.writer.importOrders!(tx, items, {
            source: ctx.source,
            runTag: ctx.runTag,
            phase,
            continues: (channel, externalId) => continuing.has(JSON.stringify([channel, externalId])),
          });
        } catch (e) {
          throw new ImportError(`writing orders failed near line ${sent[0]!.rows[0]!.line}: ${(e as Error).message}`);
        }
        written = writtenCount(outcomes);
        outcomes.forEach((o, i) => {
          const { rows, continues } = sent[i]!;
          if (o.status === 'deferred') for (const r of rows) staged.push({ groupKey: groupKey(r.values, key)!, line: r.line, data: packRow(ctx.mapping!, r) });
          else if (o.status === 'error') errors.push(...locateIssues(rows, o.issues, ctx.columnOf, true, describeRecord(ctx, rows)));
          else if (o.status === 'appended') {
            // The rest of an order counted when its first part was created.
          } else if (continues) {
            // Counted unchanged when its first part matched; the whole of it may be an update.
            if (o.status === 'updated') {
              c.unchanged--;
              c.updated++;
            }
          } else {
            c[o.status]++;
            // More of this order may come later in the file: remember that this part matched.
            if (o.status === 'unchanged' && phase === 'stream') staged.push({ groupKey: groupKey(rows[0]!.values, key)!, line: 0, data: 'stored' });
          }
        });
      }
      c.rowsFailed = new Set(errors.map((e) => e.line)).size;
      await this.store.commit(ctx.run, { ...checkpoint, staged, errors, counters: c }, tx);
    });
    countOrdersIngested(ctx.source, written);
  }

  /** Build the records from their rows, write them, and say which rows failed and why. */
  private async writeRecords(ctx: ChunkContext, groups: MappedRow[][], counters: Counters): Promise<ReportedIssue[]> {
    const errors: ReportedIssue[] = [];
    const items: Array<Record<string, unknown>> = [];
    const sent: MappedRow[][] = [];
    for (const rows of groups) {
      const withIssues = rows.filter((r) => r.issues?.length);
      if (withIssues.length) {
        errors.push(...rowIssues(ctx, rows, withIssues));
        continue;
      }
      const item = ctx.grouped ? buildGrouped(rows) : ctx.mapping ? nest(rows[0]!.values) : { ...rows[0]!.values };
      if (ctx.kind === 'returns' && item.order && typeof item.order === 'object')
        // A return is usually of an order of its own channel: order.channel need not be mapped.
        (item.order as Record<string, unknown>).channel ??= item.channel;
      if (ctx.kind === 'events') {
        // Without the sender's own ids a rerun would store every event twice; the file position is stable.
        item.source ??= ctx.source;
        item.externalId ??= `${ctx.eventIdPrefix}:${rows[0]!.line}`;
      }
      items.push(item);
      sent.push(rows);
    }
    if (items.length === 0) return errors;
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.writer.write(ctx.kind, items, ctx.source);
    } catch (e) {
      throw new ImportError(`writing ${ctx.kind} failed near line ${sent[0]![0]!.line}: ${(e as Error).message}`);
    }
    outcomes.forEach((o, i) => {
      const rows = sent[i]!;
      if (o.status === 'error') errors.push(...locateIssues(rows, o.issues, ctx.columnOf, ctx.grouped, describeRecord(ctx, rows)));
      else counters[o.status]++;
    });
    return errors;
  }

  private summary(run: ImportRun, file: string, resumed: boolean, alreadyCompleted: boolean, started: number): ImportSummary {
    return {
      runId: run.id,
      kind: run.kind as ImportKind,
      file,
      resumed,
      alreadyCompleted,
      rows: {
        read: run.rowsRead,
        imported: run.rowsRead - run.rowsSkipped - run.rowsFailed,
        skipped: run.rowsSkipped,
        failed: run.rowsFailed,
      },
      records: { created: run.created, updated: run.updated, unchanged: run.unchanged },
      seconds: (performance.now() - started) / 1000,
      phases: { readSeconds: 0, writeSeconds: 0 },
    };
  }

  /** The error report: one CSV row per problem (line, field, reason), in line order. */
  async writeErrorReport(runId: string, target: string): Promise<number> {
    const out = fs.createWriteStream(target);
    out.write('line,field,reason\n');
    let n = 0;
    for await (const page of this.store.errors({ id: runId } as ImportRun)) {
      for (const e of page) {
        out.write(`${e.line},${csvCell(e.field)},${csvCell(e.reason)}\n`);
        n++;
      }
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return n;
  }
}

interface ChunkContext {
  run: ImportRun;
  kind: ImportKind;
  mapping: CompiledMapping | undefined;
  grouped: boolean;
  /** Orders written in the chunk's own transaction; see IngestService.bulkChunk. */
  bulk: boolean;
  /** The source stored on the orders this run creates. */
  runTag: string;
  staging: boolean;
  /** Without staging: records already sent, to catch rows of one record spread over chunks. */
  sentKeys: Map<string, number>;
  source: string;
  eventIdPrefix: string;
  columnOf: (target: string) => string | undefined;
}

/** A staged row: its values in the mapping's field order (the run key pins the mapping). */
type PackedRow = [unknown[], RowIssue[]?];

function packRow(mapping: CompiledMapping, row: MappedRow): PackedRow {
  const values = mapping.fields.map((f) => row.values[f.target] ?? null);
  return row.issues ? [values, row.issues] : [values];
}

function unpackRow(mapping: CompiledMapping, line: number, [values, issues]: PackedRow): MappedRow {
  const out: Record<string, unknown> = {};
  mapping.fields.forEach((f, i) => {
    if (values[i] !== null) out[f.target] = values[i];
  });
  return issues ? { line, values: out, issues } : { line, values: out };
}

/** A record with rows that could not be mapped: those rows' issues, and every other row of it named. */
function rowIssues(ctx: ChunkContext, rows: MappedRow[], withIssues: MappedRow[]): ReportedIssue[] {
  const issues = withIssues.flatMap((r) => r.issues!.map((i) => ({ line: r.line, field: i.field, reason: i.reason })));
  const first = issues[0]!;
  const failed = new Set(withIssues.map((r) => r.line));
  for (const r of rows)
    if (!failed.has(r.line)) issues.push({ line: r.line, field: '(order)', reason: `${describeRecord(ctx, rows)} not imported: line ${first.line}: ${first.reason}` });
  return issues;
}

function describeRecord(ctx: ChunkContext, rows: MappedRow[]): string {
  const id = rows[0]!.values.externalId;
  return `${ctx.kind === 'returns' ? 'return' : 'order'} ${typeof id === 'string' ? id : ''}`.trim();
}

const pause = (ms: number | undefined) => (ms ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

function formatOf(file: string): FileFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  return name.endsWith('.ndjson') || name.endsWith('.jsonl') ? 'ndjson' : 'csv';
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
