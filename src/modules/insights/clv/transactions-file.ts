import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { openDecompressed } from '../../../platform/files.js';
import { parse } from 'csv-parse';
import { businessDate } from '../../segments/index.js';
import { addTransaction, dayNumber, type PurchaseLog } from './summary.js';

/**
 * Reading a transaction file for `kemai clv`: one row per transaction with a customer, a date and an amount.
 * CSV with a header, NDJSON, or whitespace-separated text (the CDNOW files); gzip allowed. Same conventions as
 * `kemai rfm --from FILE` (src/modules/segments/rfm/rfm-file.ts): bad input stops the read with the line and column.
 */
/** How the file's rows are written. */
export type FileFormat = 'csv' | 'ndjson' | 'whitespace';

/** Which columns to read and how the file is written. */
export interface TransactionFileOptions {
  customerCol: string;
  dateCol: string;
  amountCol: string;
  /** Default: by extension (.csv, .ndjson/.jsonl, .txt/.dat → whitespace), else by content. */
  format?: FileFormat;
  /** CSV and whitespace files: false when the first line is data (then `columns` names the fields). */
  header?: boolean;
  /** Field names for a file without a header (or to override the header's). */
  columns?: string[];
  /** Zone that instants with an offset are read in (local dates and date-times are taken as written). */
  timeZone: string;
}

/** Bad input in a transaction file; the message names the line and the column. */
export class ClvFileError extends Error {}

/** What {@link readTransactions} read. */
export interface TransactionFileResult {
  log: PurchaseLog;
  rowsRead: number;
  /** Rows without a customer (guest purchases), left out. */
  guestRows: number;
  firstDate: string;
  lastDate: string;
}

/**
 * A date cell: YYYYMMDD, or anything `kemai rfm` takes (YYYY-MM-DD, a local date-time, an instant with offset read
 * in the business time zone). Undefined when it is not a valid date.
 */
export function parseDateCell(text: string, timeZone: string): string | undefined {
  const t = text.trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) {
    const d = `${m[1]}-${m[2]}-${m[3]}`;
    return new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d && !Number.isNaN(Date.parse(d)) ? d : undefined;
  }
  try {
    return businessDate(t, timeZone);
  } catch {
    return undefined;
  }
}

const AMOUNT = /^\d+(?:\.\d+)?$/;

function detectFormat(file: string, firstLine: string): FileFormat {
  const name = file.replace(/\.gz$/i, '').toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  if (name.endsWith('.txt') || name.endsWith('.dat')) return 'whitespace';
  const s = firstLine.trimStart();
  if (s.startsWith('{')) return 'ndjson';
  return s.includes(',') ? 'csv' : 'whitespace';
}

/** A line of an NDJSON file as an object, or the error naming the line. */
function jsonObject(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ClvFileError(`line ${line}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ClvFileError(`line ${line}: not a JSON object`);
  return value as Record<string, unknown>;
}

/** Rows as [line number, record] (also `kemai forecast --from FILE`'s reader). */
export async function* records(
  file: string,
  o: Pick<TransactionFileOptions, 'format' | 'header' | 'columns'>,
  seen: { names?: string[] },
): AsyncGenerator<[number, Record<string, unknown>]> {
  const open = (): Readable => openDecompressed(file).stream;
  const lines = () => readline.createInterface({ input: open(), crlfDelay: Infinity });
  let firstLine = '';
  if (!o.format) {
    for await (const l of lines()) {
      if (l.trim()) {
        firstLine = l;
        break;
      }
    }
  }
  const format = o.format ?? detectFormat(file, firstLine);
  const header = format !== 'ndjson' && o.header !== false;
  let names = o.columns;
  seen.names = names;
  if (format !== 'ndjson' && !header && !names) throw new ClvFileError('a file without a header needs --columns (the field names, comma-separated)');
  if (format === 'ndjson' || format === 'whitespace') {
    // Line by line: one JSON object, or fields split on runs of white space (CRLF handled by readline).
    let line = 0;
    for await (const text of lines()) {
      line++;
      const trimmed = text.trim();
      if (!trimmed) continue;
      if (format === 'ndjson') {
        yield [line, jsonObject(trimmed, line)];
        continue;
      }
      const fields = trimmed.split(/\s+/);
      if (header && !names) seen.names = names = fields;
      else if (header && line === 1) continue;
      else if (fields.length !== names!.length) throw new ClvFileError(`line ${line}: ${fields.length} fields, expected ${names!.length} (${names!.join(', ')})`);
      else yield [line, Object.fromEntries(names!.map((n, i) => [n, fields[i]]))];
    }
    return;
  }
  const parser = open().pipe(
    parse({ columns: header ? (h: string[]) => (seen.names = names ?? h) : names, from_line: 1, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }),
  ) as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>;
  try {
    for await (const { record, info } of parser) yield [info.lines, record];
  } catch (e) {
    if (e instanceof ClvFileError) throw e;
    throw new ClvFileError((e as Error).message);
  }
}

/**
 * Reads every transaction into a {@link PurchaseLog}. Rows without a customer are guests (counted, left out).
 * A date that is not a date, an amount that is not a non-negative decimal, or a missing column stops the read with
 * `line N: …` naming the column; nothing is returned then.
 */
export async function readTransactions(file: string, o: TransactionFileOptions): Promise<TransactionFileResult> {
  if (!fs.existsSync(file)) throw new ClvFileError('no such file');
  const log: PurchaseLog = new Map();
  let rowsRead = 0;
  let guestRows = 0;
  let first = '';
  let last = '';
  const fields: { names?: string[] } = {};
  const cell = (r: Record<string, unknown>, col: string, line: number) => {
    if (!(col in r)) {
      const has = fields.names ? `the columns are ${fields.names.join(', ')}${o.header !== false ? '; a file without a header needs --no-header and --columns' : ''}` : `the object has ${Object.keys(r).join(', ')}`;
      throw new ClvFileError(`line ${line}: no column ${col} (${has})`);
    }
    const v = r[col];
    return v === null || v === undefined ? '' : String(v).trim();
  };
  for await (const [line, r] of records(file, o, fields)) {
    rowsRead++;
    const customer = cell(r, o.customerCol, line);
    if (!customer) {
      guestRows++;
      continue;
    }
    const dateText = cell(r, o.dateCol, line);
    const date = parseDateCell(dateText, o.timeZone);
    if (!date) throw new ClvFileError(`line ${line}: ${o.dateCol} is not a date (YYYY-MM-DD or YYYYMMDD): ${JSON.stringify(dateText)}`);
    const amountText = cell(r, o.amountCol, line);
    if (!AMOUNT.test(amountText)) throw new ClvFileError(`line ${line}: ${o.amountCol} is not a non-negative amount: ${JSON.stringify(amountText)}`);
    addTransaction(log, customer, dayNumber(date), Number(amountText));
    if (!first || date < first) first = date;
    if (date > last) last = date;
  }
  if (!log.size) throw new ClvFileError('no transactions with a customer in the file');
  return { log, rowsRead, guestRows, firstDate: first, lastDate: last };
}
