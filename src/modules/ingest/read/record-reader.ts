import { CsvParser, type CsvProblem, type CsvRecord } from './csv-parser.js';
import { decodeLines, openBytes, type TextPiece } from './file-source.js';

export type FileFormat = 'csv' | 'ndjson';

/** One source record: CSV cells in header order, or one NDJSON object. */
export interface SourceRecord {
  line: number;
  cells: string[] | Record<string, unknown>;
}

/** A record that could not be read; it goes to the error report, the rest carries on. */
export interface RecordProblem {
  line: number;
  field: string;
  reason: string;
}

export interface RecordBatch {
  records: SourceRecord[];
  problems: RecordProblem[];
}

export interface ReadOptions {
  format: FileFormat;
  delimiter: string;
  encoding: string;
}

export interface OpenedFile {
  /** CSV header cells; undefined for NDJSON. */
  header: string[] | undefined;
  batches: AsyncGenerator<RecordBatch>;
  /** Bytes of the file read so far (compressed bytes for .gz). */
  bytesRead: () => number;
  close: () => void;
}

export class HeaderError extends Error {}

/** Read the header (CSV) and hand back the records batch by batch (about 1 MiB of text each). */
export async function openRecords(path: string, opts: ReadOptions): Promise<OpenedFile> {
  const { stream, bytesRead } = await openBytes(path);
  const pieces = decodeLines(stream, opts.encoding);
  const close = () => stream.destroy();
  if (opts.format === 'ndjson') return { header: undefined, batches: ndjsonBatches(pieces, opts.encoding), bytesRead, close };
  try {
    return { ...(await openCsv(pieces, opts)), bytesRead, close };
  } catch (e) {
    stream.destroy();
    throw e;
  }
}

async function openCsv(pieces: AsyncGenerator<TextPiece>, opts: ReadOptions): Promise<Omit<OpenedFile, 'bytesRead' | 'close'>> {
  const parser = new CsvParser(opts.delimiter);
  let buffered: CsvRecord[] = [];
  let bufferedProblems: RecordProblem[] = [];
  let done = false;
  // Read until the header record is complete (it may share its piece with data records).
  while (buffered.length === 0 && !done) {
    const next = await pieces.next();
    if (next.done) break;
    const piece = next.value;
    const problems: CsvProblem[] = [];
    parser.push(piece.text, piece.final, buffered, problems);
    bufferedProblems = toProblems(problems, piece, buffered, opts.encoding);
    done = piece.final;
  }
  const headerRecord = buffered.shift();
  if (!headerRecord) throw new HeaderError('the file is empty: a CSV file needs a header row naming its columns');
  if (bufferedProblems.some((p) => p.line === headerRecord.line))
    throw new HeaderError(`line ${headerRecord.line} (the header): ${bufferedProblems.find((p) => p.line === headerRecord.line)!.reason}`);
  const header = headerRecord.fields.map((h) => h.trim());
  const width = header.length;
  const check = (records: CsvRecord[], problems: RecordProblem[]): RecordBatch => {
    const bad = new Set(problems.map((p) => p.line));
    const out: SourceRecord[] = [];
    for (const r of records) {
      if (bad.has(r.line)) continue;
      if (r.fields.length !== width) {
        problems.push({
          line: r.line,
          field: '(row)',
          reason: `${r.fields.length} values but the header has ${width} columns (an unquoted delimiter in a value, or a missing one?)`,
        });
        continue;
      }
      out.push({ line: r.line, cells: r.fields });
    }
    return { records: out, problems };
  };
  async function* batches(): AsyncGenerator<RecordBatch> {
    yield check(buffered, bufferedProblems);
    buffered = [];
    if (done) return;
    for await (const piece of pieces) {
      const records: CsvRecord[] = [];
      const problems: CsvProblem[] = [];
      parser.push(piece.text, piece.final, records, problems);
      yield check(records, toProblems(problems, piece, records, opts.encoding));
    }
  }
  return { header, batches: batches() };
}

function toProblems(problems: CsvProblem[], piece: TextPiece, records: CsvRecord[], encoding: string): RecordProblem[] {
  const out: RecordProblem[] = problems.map((p) => ({ line: p.line, field: '(row)', reason: `malformed CSV: ${p.message}` }));
  for (const bad of piece.badLines) {
    // The record that contains the bad line: the last one starting at or before it.
    let owner = bad;
    for (const r of records) {
      if (r.line > bad) break;
      owner = r.line;
    }
    out.push({ line: owner, field: '(row)', reason: encodingReason(encoding, bad) });
  }
  return out;
}

function encodingReason(encoding: string, line: number): string {
  return /^utf-?8$/i.test(encoding)
    ? `line ${line} has bytes that are not valid UTF-8; if the file is in a Chinese legacy encoding, run again with --encoding gbk`
    : `line ${line} has bytes that are not valid ${encoding}`;
}

async function* ndjsonBatches(pieces: AsyncGenerator<TextPiece>, encoding: string): AsyncGenerator<RecordBatch> {
  let pending = '';
  let pendingLine = 1;
  for await (const piece of pieces) {
    const text = pending + piece.text;
    const bad = new Set(piece.badLines);
    const records: SourceRecord[] = [];
    const problems: RecordProblem[] = [];
    let from = 0;
    let line = pending ? pendingLine : piece.firstLine;
    pending = '';
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl === -1 && !piece.final) {
        pending = text.slice(from);
        pendingLine = line;
        break;
      }
      const raw = text.slice(from, nl === -1 ? text.length : nl).trim();
      if (bad.has(line)) problems.push({ line, field: '(row)', reason: encodingReason(encoding, line) });
      else if (raw) {
        try {
          const value: unknown = JSON.parse(raw);
          if (value === null || typeof value !== 'object' || Array.isArray(value))
            problems.push({ line, field: '(row)', reason: 'each line must be one JSON object' });
          else records.push({ line, cells: value as Record<string, unknown> });
        } catch (e) {
          problems.push({ line, field: '(row)', reason: `not valid JSON: ${(e as Error).message}` });
        }
      }
      line++;
      if (nl === -1) break;
      from = nl + 1;
    }
    yield { records, problems };
  }
}
