import fs from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { openDecompressed } from '../../../platform/files.js';
import { parse } from 'csv-parse';
import { localDate } from '../../../platform/clock.js';
import { parseMoney } from '../../../platform/money.js';
import { daysBetween, scoreCustomers, type CustomerFacts, type RfmMethod, type RfmRow } from '../domain/rfm-score.js';

/**
 * `kemai rfm --from FILE`: RFM for analysts without a database, with the same scoring code as the database run
 * (domain/rfm-score.ts). One row per purchase (or per purchase line with --order-col), CSV or NDJSON, gzip allowed.
 */
export interface RfmFileOptions {
  customerCol: string;
  dateCol: string;
  /** The amount paid (with quantityCol: the unit price), at most 2 decimals. */
  amountCol: string;
  /** Rows with the same value (per customer) are one order; without it every row is an order. */
  orderCol?: string;
  /** Amount × quantity is the row's amount (line files such as Online Retail). */
  quantityCol?: string;
  /** Rows where any of these columns matches its pattern are left out (e.g. InvoiceNo=^[AC]). */
  skip?: Array<{ column: string; pattern: RegExp }>;
  /** Default: the latest business date in the file. */
  asOf?: string;
  windowDays?: number | null;
  how?: RfmMethod;
  /** Zone that dates with an explicit offset are read in; local date-times are taken as written. */
  timeZone: string;
}

export class RfmFileError extends Error {}

export interface RfmFileResult {
  asOf: string;
  windowDays: number | null;
  rowsRead: number;
  rowsUsed: number;
  skipped: { rule: number; guest: number };
  rows: RfmRow[];
}

const LOCAL_DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** The business date of a date cell: a local date or date-time as written, an instant with offset in the zone. */
export function businessDate(text: string, timeZone: string): string | undefined {
  const t = text.trim();
  const m = LOCAL_DATE.exec(t);
  if (m) {
    const d = `${m[1]}-${m[2]}-${m[3]}`;
    return new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d ? d : undefined;
  }
  if (WITH_OFFSET.test(t)) {
    const at = new Date(t);
    return Number.isNaN(at.getTime()) ? undefined : localDate(at, timeZone);
  }
  return undefined;
}

async function* records(file: string): AsyncGenerator<Record<string, unknown>> {
  const open = (): Readable => openDecompressed(file).stream;
  const name = file.replace(/\.gz$/i, '').toLowerCase();
  let ndjson = name.endsWith('.ndjson') || name.endsWith('.jsonl');
  if (!ndjson && !name.endsWith('.csv')) {
    // Neither extension: look at the first character that is not white space.
    for await (const chunk of open()) {
      const s = String(chunk).trimStart();
      if (s) {
        ndjson = s.startsWith('{');
        break;
      }
    }
  }
  if (ndjson) {
    let line = 0;
    for await (const text of readline.createInterface({ input: open(), crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RfmFileError(`line ${line}: not a JSON object`);
      yield value as Record<string, unknown>;
    }
    return;
  }
  yield* open().pipe(parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false })) as AsyncIterable<Record<string, unknown>>;
}

/** Parser errors (a quote left open, a row with more fields than the header) as file errors with their line. */
async function* readable(rows: AsyncGenerator<Record<string, unknown>>): AsyncGenerator<Record<string, unknown>> {
  try {
    yield* rows;
  } catch (e) {
    if (e instanceof RfmFileError) throw e;
    throw new RfmFileError((e as Error).message);
  }
}

interface Acc {
  orders: Map<string, { date: string; fen: number }>;
  first: string;
}

/** Reads the file, aggregates per customer (orders, last and first dates, net amounts) and scores with the domain code. */
export async function rfmFromFile(file: string, o: RfmFileOptions): Promise<RfmFileResult> {
  if (!fs.existsSync(file)) throw new RfmFileError(`${file}: no such file`);
  const byCustomer = new Map<string, Acc>();
  let rowsRead = 0;
  let rowsUsed = 0;
  const skipped = { rule: 0, guest: 0 };
  let latest = '';
  const cell = (r: Record<string, unknown>, col: string, line: number) => {
    if (!(col in r)) throw new RfmFileError(`line ${line}: no column ${col}`);
    const v = r[col];
    return v === null || v === undefined ? '' : String(v);
  };
  const rows = records(file);
  for await (const r of readable(rows)) {
    rowsRead++;
    const line = rowsRead + 1;
    if (o.skip?.some((s) => s.pattern.test(cell(r, s.column, line)))) {
      skipped.rule++;
      continue;
    }
    const customer = cell(r, o.customerCol, line).trim();
    if (!customer) {
      skipped.guest++;
      continue;
    }
    const date = businessDate(cell(r, o.dateCol, line), o.timeZone);
    if (!date) throw new RfmFileError(`line ${line}: ${o.dateCol} is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or an ISO instant)`);
    let fen = parseMoney(cell(r, o.amountCol, line).trim());
    if (fen === null) throw new RfmFileError(`line ${line}: ${o.amountCol} is not an amount with at most 2 decimals`);
    if (o.quantityCol) {
      const q = Number(cell(r, o.quantityCol, line).trim());
      if (!Number.isInteger(q)) throw new RfmFileError(`line ${line}: ${o.quantityCol} is not a whole number`);
      fen *= q;
    }
    if (date > latest) latest = date;
    const orderKey = o.orderCol ? cell(r, o.orderCol, line) : `#${rowsRead}`;
    let acc = byCustomer.get(customer);
    if (!acc) byCustomer.set(customer, (acc = { orders: new Map(), first: date }));
    const ord = acc.orders.get(orderKey);
    if (ord) {
      ord.fen += fen;
      if (date > ord.date) ord.date = date;
    } else acc.orders.set(orderKey, { date, fen });
    rowsUsed++;
  }
  const asOf = o.asOf ?? latest;
  if (!asOf) throw new RfmFileError('no purchase rows with a customer in the file');
  const windowDays = o.windowDays ?? null;
  const facts: CustomerFacts[] = [];
  for (const [customerId, acc] of byCustomer) {
    let frequency = 0;
    let monetaryFen = 0;
    let revenueFen = 0;
    let lastDate = '';
    let firstDate = '';
    for (const ord of acc.orders.values()) {
      if (ord.date > asOf) continue;
      revenueFen += ord.fen;
      if (!firstDate || ord.date < firstDate) firstDate = ord.date;
      if (windowDays !== null && daysBetween(ord.date, asOf) >= windowDays) continue;
      frequency++;
      monetaryFen += ord.fen;
      if (ord.date > lastDate) lastDate = ord.date;
    }
    if (frequency > 0) facts.push({ customerId, lastDate, firstDate, frequency, monetaryFen, revenueFen });
  }
  return { asOf, windowDays, rowsRead, rowsUsed, skipped, rows: scoreCustomers(facts, asOf, o.how ?? { method: 'quintiles' }) };
}
