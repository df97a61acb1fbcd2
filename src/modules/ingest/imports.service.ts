import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { importRuns } from './db/ingest.schema.js';
import { KIND_FIELDS, type ImportKind } from './domain/import-kinds.js';
import { IMPORT_PRESETS } from './domain/import-presets.js';
import { suggestMapping, type MappingSuggestion } from './domain/column-suggestions.js';
import { columnsOf, compileMapping, MappingError } from './domain/row-mapping.js';
import { DbRunStore, type ImportRun, type RunIdentity } from './import-runs.js';
import { IngestService, type ImportProgress } from './ingest.service.js';
import type { MappingSpec } from './ingest.schemas.js';
import { openBytes } from './read/file-source.js';
import { HeaderError, openRecords, type FileFormat, type RecordProblem } from './read/record-reader.js';
import { directWriter, type ImportServices } from './record-writers.js';

export type UploadStatus = 'uploaded' | 'running' | 'completed' | 'failed';

/** What the upload answers about the file itself. */
interface UploadedFile {
  id: string;
  name: string;
  size: number;
  format: FileFormat;
  compressed: boolean;
  encoding: string;
  delimiter: string;
  /** CSV header, or the dotted paths of the first NDJSON objects. */
  header: string[];
}

/** What is kept next to an uploaded file (`<importDir>/<id>/meta.json`). */
interface UploadMeta extends UploadedFile {
  file: string;
  uploadedAt: string;
  uploadedBy: string;
  status: UploadStatus;
  kind: ImportKind | null;
  preset: string | null;
  runId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface UploadView extends UploadedFile {
  /** The first rows, cell by cell in header order. */
  preview: Array<{ line: number; values: string[] }>;
  /** Rows among the first ones that cannot be read (bad bytes, malformed CSV); they go to the error report. */
  problems: RecordProblem[];
  suggestedMapping: MappingSuggestion;
  /** For each kind, the fields whose column is named like them. */
  suggestedByKind: Record<ImportKind, Record<string, string>>;
}

export interface ImportStatus {
  id: string;
  name: string;
  size: number;
  format: FileFormat;
  status: UploadStatus;
  kind: ImportKind | null;
  preset: string | null;
  phase: 'read' | 'write' | 'done' | null;
  rows: { read: number; imported: number; skipped: number; failed: number };
  records: { created: number; updated: number; unchanged: number };
  /** Share of the current phase done (0..1): bytes of the file while reading, staged records while writing. */
  fraction: number;
  rowsPerSecond: number | null;
  seconds: number | null;
  error: string | null;
  uploadedAt: string;
  uploadedBy: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Writing a kind needs its module's write scope as well as `imports:write`. */
export const KIND_SCOPES: Record<ImportKind, string> = {
  stores: 'catalog:write',
  products: 'catalog:write',
  customers: 'customers:write',
  orders: 'orders:write',
  returns: 'orders:write',
  events: 'events:write',
};

const PREVIEW_ROWS = 20;

interface Running {
  progress: ImportProgress | undefined;
  phaseStarted: number;
  rowsPerSecond: number | null;
  done: Promise<void>;
}

/**
 * Imports started from the console: the file is streamed to disk, previewed, and imported in this
 * process by the same IngestService `kemai import` runs (a database run store, so counters,
 * checkpoints and the error report live in `ingest.import_runs`/`import_errors` and an interrupted
 * import resumes when started again). Progress is kept in memory while it runs.
 */
export class ImportsService {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly db: Db,
    private readonly services: ImportServices,
    private readonly opts: { importDir: string; limitBytes: number; timeZone: string; log: Logger },
  ) {}

  get limitBytes(): number {
    return this.opts.limitBytes;
  }

  async upload(body: Readable, input: { name: string; contentType: string; uploadedBy: string }): Promise<UploadView> {
    const id = newId();
    const dir = path.join(this.opts.importDir, id);
    await fs.promises.mkdir(dir, { recursive: true });
    const file = path.join(dir, safeName(input.name));
    try {
      const size = await saveStream(body, file, this.opts.limitBytes);
      if (size === 0) throw invalid('ingest.empty_file', 'The file is empty');
      const meta = await this.inspect(id, file, input, size);
      const view = await this.preview(meta);
      await this.save(meta);
      return view;
    } catch (e) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Format, compression, text encoding and delimiter from the name, the type and the first bytes. */
  private async inspect(id: string, file: string, input: { name: string; contentType: string; uploadedBy: string }, size: number): Promise<UploadMeta> {
    const fd = await fs.promises.open(file, 'r');
    const magic = Buffer.alloc(2);
    await fd.read(magic, 0, 2, 0);
    await fd.close();
    const compressed = magic[0] === 0x1f && magic[1] === 0x8b;
    const bare = input.name.toLowerCase().replace(/\.gz$/, '');
    const head = await readHead(file);
    const format: FileFormat =
      /\.(ndjson|jsonl)$/.test(bare) || input.contentType.includes('ndjson') || (!/\.(csv|txt|tsv)$/.test(bare) && head.toString('utf8', 0, 1) === '{')
        ? 'ndjson'
        : 'csv';
    const encoding = detectEncoding(head);
    const firstLine = new TextDecoder(encoding).decode(head.subarray(0, Math.max(0, head.indexOf(0x0a)) || head.length));
    return {
      id,
      name: path.basename(input.name),
      file,
      size,
      format,
      compressed,
      encoding,
      delimiter: format === 'csv' ? detectDelimiter(firstLine) : ',',
      header: [],
      uploadedAt: new Date().toISOString(),
      uploadedBy: input.uploadedBy,
      status: 'uploaded',
      kind: null,
      preset: null,
      runId: null,
      startedAt: null,
      finishedAt: null,
      error: null,
    };
  }

  private async preview(meta: UploadMeta): Promise<UploadView> {
    let opened;
    try {
      opened = await openRecords(meta.file, { format: meta.format, delimiter: meta.delimiter, encoding: meta.encoding });
    } catch (e) {
      if (e instanceof HeaderError) throw invalid('ingest.unreadable_file', e.message);
      throw e;
    }
    const records: Array<{ line: number; cells: string[] | Record<string, unknown> }> = [];
    const problems: RecordProblem[] = [];
    try {
      for await (const batch of opened.batches) {
        records.push(...batch.records);
        problems.push(...batch.problems);
        if (records.length >= PREVIEW_ROWS) break;
      }
    } finally {
      opened.close();
    }
    const shown = records.slice(0, PREVIEW_ROWS);
    const last = records.length > PREVIEW_ROWS ? shown.at(-1)!.line : Infinity;
    let header = opened.header;
    let rows: string[][];
    if (header) rows = shown.map((r) => (r.cells as string[]).map((c) => c));
    else {
      const flat = shown.map((r) => flatten(r.cells as Record<string, unknown>));
      header = [...new Set(flat.flatMap((f) => Object.keys(f)))];
      rows = flat.map((f) => header!.map((h) => f[h] ?? ''));
    }
    meta.header = header;
    const { best, byKind } = suggestMapping(opened.header);
    const suggestedMapping: MappingSuggestion = {
      ...best,
      mapping: { ...best.mapping, encoding: meta.encoding, ...(meta.format === 'csv' ? { delimiter: meta.delimiter } : {}) },
    };
    return {
      ...this.basics(meta),
      header,
      preview: shown.map((r, i) => ({ line: r.line, values: rows[i]! })),
      problems: problems
        .filter((p) => p.line <= last)
        .sort((a, b) => a.line - b.line)
        .slice(0, PREVIEW_ROWS),
      suggestedMapping,
      suggestedByKind: byKind,
    };
  }

  /** The upload's answer again (header, first rows, suggestions), e.g. for a page reloaded before the import started. */
  async view(id: string): Promise<UploadView> {
    return this.preview(await this.load(id));
  }

  private basics(meta: UploadMeta) {
    const { id, name, size, format, compressed, encoding, delimiter } = meta;
    return { id, name, size, format, compressed, encoding, delimiter };
  }

  /**
   * Check the mapping against the file's header (nothing is written when it does not fit), then
   * import the file in the background.
   */
  async start(id: string, req: { kind: ImportKind; mapping: MappingSpec; preset?: string | undefined }): Promise<ImportStatus> {
    const meta = await this.load(id);
    if (this.running.has(id)) throw conflict('ingest.import_running', 'This file is being imported');
    if (meta.status === 'completed') throw conflict('ingest.import_completed', 'This file has been imported; upload it again to import it once more');
    let mapping = req.mapping;
    if (req.preset) {
      const preset = IMPORT_PRESETS[req.preset];
      if (!preset) throw invalid('ingest.unknown_preset', `Unknown preset "${req.preset}": ${Object.keys(IMPORT_PRESETS).join(', ')}`, [{ path: 'preset', message: 'unknown preset' }]);
      if (preset.kind !== req.kind)
        throw invalid('ingest.preset_kind', `Preset ${req.preset} imports ${preset.kind}, not ${req.kind}`, [{ path: 'preset', message: `imports ${preset.kind}` }]);
      mapping = {
        ...preset.mapping,
        ...mapping,
        fields: { ...preset.mapping.fields, ...mapping.fields },
        skip: [...preset.mapping.skip, ...mapping.skip],
      };
    }
    mapping = { ...mapping, encoding: mapping.encoding ?? meta.encoding, delimiter: mapping.delimiter ?? meta.delimiter, format: mapping.format ?? meta.format };
    this.check(meta, req.kind, mapping);

    Object.assign(meta, { status: 'running', kind: req.kind, preset: req.preset ?? null, runId: null, error: null, startedAt: new Date().toISOString(), finishedAt: null });
    await this.save(meta);
    const entry: Running = { progress: undefined, phaseStarted: performance.now(), rowsPerSecond: null, done: Promise.resolve() };
    this.running.set(id, entry);
    const service = new IngestService(new TrackedRunStore(this.db, (run) => void this.save(Object.assign(meta, { runId: run.id }))), directWriter(this.services), {
      timeZone: this.opts.timeZone,
    });
    entry.done = service
      .importFile({
        kind: req.kind,
        file: meta.file,
        mapping,
        onProgress: (p) => {
          const now = performance.now();
          if (entry.progress?.phase !== p.phase) entry.phaseStarted = now;
          entry.progress = p;
          const seconds = (now - entry.phaseStarted) / 1000;
          entry.rowsPerSecond = seconds > 0.05 ? Math.round(p.rows / seconds) : entry.rowsPerSecond;
        },
      })
      .then(
        () => Object.assign(meta, { status: 'completed', finishedAt: new Date().toISOString() }),
        (e: Error) => {
          this.opts.log.warn({ importId: id, err: e.message }, 'import failed');
          return Object.assign(meta, { status: 'failed', finishedAt: new Date().toISOString(), error: e.message });
        },
      )
      .then((m) => this.save(m))
      .catch(() => {
        // The folder is gone (removed by hand, or a test's temporary folder): nothing to record.
      })
      .finally(() => this.running.delete(id));
    return this.status(id);
  }

  /** The mapping must name columns the file has and give every required field a value. */
  private check(meta: UploadMeta, kind: ImportKind, mapping: MappingSpec): void {
    const header = new Set(meta.header);
    const spec = KIND_FIELDS[kind];
    if (meta.format === 'csv') {
      const missing: string[] = [];
      for (const [target, rule] of Object.entries(mapping.fields)) {
        const cols = columnsOf(typeof rule === 'string' ? { column: rule } : rule).filter((c) => !header.has(c));
        missing.push(...cols.map((c) => `${target}: ${c}`));
      }
      for (const s of mapping.skip) for (const c of Object.keys(s.where)) if (!header.has(c)) missing.push(`skip: ${c}`);
      if (missing.length)
        throw invalid(
          'ingest.missing_columns',
          `The file has no column ${missing.map((m) => `"${m.split(': ')[1]}"`).join(', ')}. Its columns: ${meta.header.join(', ')}`,
          missing.map((m) => ({ path: `mapping.fields.${m.split(': ')[0]}`, message: `column "${m.split(': ')[1]}" is not in the file` })),
        );
    }
    try {
      compileMapping(kind, spec, mapping, meta.format === 'csv' ? meta.header : undefined, this.opts.timeZone);
    } catch (e) {
      if (!(e instanceof MappingError)) throw e;
      const unmapped = spec.required.filter((f) => !mapping.fields[f] && !(meta.format === 'csv' && meta.header.includes(f)));
      throw invalid(
        'ingest.invalid_mapping',
        e.message.replace(/; map one with --map [^)]*/g, ''),
        unmapped.length ? unmapped.map((f) => ({ path: `mapping.fields.${f}`, message: 'required: map a column or give a constant' })) : undefined,
      );
    }
  }

  async status(id: string): Promise<ImportStatus> {
    // Taken before reading meta.json: an import that ends meanwhile is then seen running once more, not interrupted.
    const live = this.running.get(id);
    const meta = await this.load(id);
    const [run] = meta.runId ? await this.db.select().from(importRuns).where(eq(importRuns.id, meta.runId)) : [];
    return this.statusOf(meta, run, live);
  }

  private statusOf(meta: UploadMeta, run: ImportRun | undefined, live: Running | undefined): ImportStatus {
    // A run the server was doing when it stopped: starting it again resumes it.
    const interrupted = meta.status === 'running' && !live;
    const status: UploadStatus = interrupted ? 'failed' : meta.status;
    const seconds = meta.startedAt ? ((meta.finishedAt ? Date.parse(meta.finishedAt) : Date.now()) - Date.parse(meta.startedAt)) / 1000 : null;
    const rowsRead = run?.rowsRead ?? 0;
    return {
      id: meta.id,
      name: meta.name,
      size: meta.size,
      format: meta.format,
      status,
      kind: meta.kind,
      preset: meta.preset,
      phase: status === 'completed' ? 'done' : live ? (live.progress?.phase ?? 'read') : run ? (run.phase as 'read' | 'write') : null,
      rows: {
        read: Math.max(rowsRead, live?.progress?.phase === 'read' ? live.progress.rows : 0),
        imported: rowsRead - (run?.rowsSkipped ?? 0) - (run?.rowsFailed ?? 0),
        skipped: run?.rowsSkipped ?? 0,
        failed: run?.rowsFailed ?? 0,
      },
      records: { created: run?.created ?? 0, updated: run?.updated ?? 0, unchanged: run?.unchanged ?? 0 },
      fraction: status === 'completed' ? 1 : (live?.progress?.fraction ?? 0),
      rowsPerSecond: live ? live.rowsPerSecond : status === 'completed' && seconds ? Math.round(rowsRead / Math.max(seconds, 0.001)) : null,
      seconds,
      error: interrupted ? 'The server stopped during this import; start it again to carry on where it stopped' : meta.error,
      uploadedAt: meta.uploadedAt,
      uploadedBy: meta.uploadedBy,
      startedAt: meta.startedAt,
      finishedAt: meta.finishedAt,
    };
  }

  /** Recent uploads, newest first. */
  async list(page: number, pageSize: number): Promise<{ items: ImportStatus[]; total: number }> {
    let ids: string[] = [];
    try {
      ids = (await fs.promises.readdir(this.opts.importDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return { items: [], total: 0 };
    }
    const live = new Map(this.running);
    const metas = (await Promise.all(ids.map((id) => this.load(id).catch(() => undefined)))).filter((m): m is UploadMeta => !!m);
    metas.sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt) || b.id.localeCompare(a.id));
    const slice = metas.slice((page - 1) * pageSize, page * pageSize);
    const runIds = slice.map((m) => m.runId).filter((r): r is string => !!r);
    const runs = runIds.length ? await this.db.select().from(importRuns).where(inArray(importRuns.id, runIds)) : [];
    const byId = new Map(runs.map((r) => [r.id, r]));
    return { items: slice.map((m) => this.statusOf(m, m.runId ? byId.get(m.runId) : undefined, live.get(m.id))), total: metas.length };
  }

  /** The error report (`line,field,reason`, as `kemai import` writes it), in a file next to the upload. */
  async errorReport(id: string): Promise<{ file: string; name: string }> {
    const meta = await this.load(id);
    const file = path.join(this.opts.importDir, id, 'errors.csv');
    const service = new IngestService(new DbRunStore(this.db), directWriter(this.services), { timeZone: this.opts.timeZone });
    if (meta.runId) await service.writeErrorReport(meta.runId, file);
    else await fs.promises.writeFile(file, 'line,field,reason\n');
    return { file, name: `${meta.name.replace(/(\.gz)?$/i, '').replace(/\.(csv|ndjson|jsonl|txt)$/i, '')}.errors.csv` };
  }

  /** Wait for the imports running in this process (tests; a server stopping does not need to). */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async load(id: string): Promise<UploadMeta> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw notFound('ingest.import_not_found', `No import ${id}`);
    try {
      return JSON.parse(await fs.promises.readFile(path.join(this.opts.importDir, id, 'meta.json'), 'utf8')) as UploadMeta;
    } catch {
      throw notFound('ingest.import_not_found', `No import ${id}`);
    }
  }

  /** Writes of one upload's meta.json, one after the other (each replaces the file whole). */
  private readonly saving = new Map<string, Promise<void>>();

  private save(meta: UploadMeta): Promise<void> {
    const target = path.join(this.opts.importDir, meta.id, 'meta.json');
    const text = JSON.stringify(meta, null, 2);
    const write = async () => {
      await fs.promises.writeFile(`${target}.tmp`, text);
      await fs.promises.rename(`${target}.tmp`, target);
    };
    const next = (this.saving.get(meta.id) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.saving.set(meta.id, next);
    void next.finally(() => {
      if (this.saving.get(meta.id) === next) this.saving.delete(meta.id);
    }).catch(() => undefined);
    return next;
  }
}

/** The database run store, telling who started it the run's id as soon as it exists. */
class TrackedRunStore extends DbRunStore {
  constructor(
    db: Db,
    private readonly onBegin: (run: ImportRun) => void,
  ) {
    super(db);
  }

  override async begin(identity: RunIdentity, restart: boolean): Promise<ImportRun> {
    const run = await super.begin(identity, restart);
    this.onBegin(run);
    return run;
  }
}

/**
 * The request body to `file`, refusing more than `limit` bytes. Past the limit the rest of the body
 * is read and dropped, so the client still gets the answer instead of a reset connection.
 */
function saveStream(body: Readable, file: string, limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file);
    let size = 0;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      out.destroy();
      body.resume();
      reject(e);
    };
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (failed) return;
      if (size > limit) fail(new AppError('payload_too_large', 'ingest.file_too_large', `The file is larger than the ${limit} bytes an import may have (KEMAI_IMPORT_LIMIT_BYTES)`));
      else if (!out.write(chunk)) {
        body.pause();
        out.once('drain', () => body.resume());
      }
    });
    body.on('end', () => {
      if (!failed) out.end(() => resolve(size));
    });
    body.on('error', fail);
    out.on('error', fail);
  });
}

/** A file name that stays inside its folder and means the same on every system. */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^\.+/, '');
  return base.slice(-120) || 'upload.csv';
}

/** Up to 256 KiB of the file's text bytes (gunzipped). */
async function readHead(file: string, max = 256 * 1024): Promise<Buffer> {
  const { stream } = await openBytes(file);
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= max) break;
    }
  } catch {
    // A truncated .gz: what was read is enough to look at.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, max);
}

/**
 * UTF-8 unless no line with non-ASCII bytes is valid UTF-8 and the text reads as GB18030 (GBK's
 * superset, what Chinese Windows tools write). A UTF-8 file with a few bad lines stays UTF-8: those
 * lines are reported.
 */
function detectEncoding(head: Buffer): string {
  const cut = head.lastIndexOf(0x0a);
  const text = cut > 0 && head.length >= 256 * 1024 ? head.subarray(0, cut + 1) : head;
  if (isUtf8(text)) return 'utf8';
  let valid = 0;
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf(0x0a, from);
    if (nl === -1) nl = text.length;
    const line = text.subarray(from, nl);
    if (line.some((b) => b >= 0x80) && isUtf8(line)) valid++;
    from = nl + 1;
  }
  if (valid > 0) return 'utf8';
  try {
    new TextDecoder('gb18030', { fatal: true }).decode(text);
    return 'gb18030';
  } catch {
    return 'utf8';
  }
}

function detectDelimiter(firstLine: string): string {
  const counts = [',', ';', '\t', '|'].map((d) => [d, firstLine.split(d).length - 1] as const);
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best && best[1] > 0 ? best[0] : ',';
}

/** `{customer: {phone}}` → `{"customer.phone": "…"}`; arrays and their objects stay one JSON cell. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${key}.`, out);
    else out[key] = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

