import fs from 'node:fs';
import { ClvFileError, parseDateCell, records, type FileFormat } from '../clv/transactions-file.js';

/** Which columns of a transaction file hold the demand, for `kemai forecast --from FILE`. */
export interface DemandFileOptions {
  dateCol: string;
  qtyCol: string;
  /** The item (SKU) column: with it the file is read per item. */
  itemCol?: string | undefined;
  /** Only this item's rows (needs itemCol). */
  item?: string | undefined;
  format?: FileFormat | undefined;
  header?: boolean | undefined;
  columns?: string[] | undefined;
  /** Zone that instants with an offset are read in (local date-times count as their day). */
  timeZone: string;
}

export interface DemandFile {
  /** Units per day over every row read (or the one item's). */
  total: Map<string, number>;
  /** Units per day per item, when an item column is given. */
  byItem: Map<string, Map<string, number>>;
  rowsRead: number;
  /** Rows with a negative quantity (returns, cancellations: not demand), left out. */
  negativeRows: number;
  firstDate: string;
  lastDate: string;
}

const QTY = /^-?\d+(?:\.\d+)?$/;

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/**
 * Reads daily demand from a CSV / NDJSON / whitespace file (gzip allowed; the reader `kemai clv` uses). A date that is
 * not a date, a quantity that is not a number or a missing column stops the read with the line and the column.
 */
export async function readDemandFile(file: string, o: DemandFileOptions): Promise<DemandFile> {
  if (!fs.existsSync(file)) throw new ClvFileError('no such file');
  if (o.item !== undefined && !o.itemCol) throw new ClvFileError('--item needs --item-col (the column that names the item)');
  const total = new Map<string, number>();
  const byItem = new Map<string, Map<string, number>>();
  const fields: { names?: string[] } = {};
  let rowsRead = 0;
  let negativeRows = 0;
  let first = '';
  let last = '';
  const cell = (r: Record<string, unknown>, col: string, line: number) => {
    if (!(col in r)) throw new ClvFileError(`line ${line}: no column ${col} (the columns are ${(fields.names ?? Object.keys(r)).join(', ')})`);
    const v = r[col];
    return v === null || v === undefined ? '' : String(v).trim();
  };
  for await (const [line, r] of records(file, o, fields)) {
    rowsRead++;
    const item = o.itemCol ? cell(r, o.itemCol, line) : '';
    if (o.item !== undefined && item !== o.item) continue;
    const dateText = cell(r, o.dateCol, line);
    const date = parseDateCell(dateText, o.timeZone);
    if (!date) throw new ClvFileError(`line ${line}: ${o.dateCol} is not a date (YYYY-MM-DD or YYYYMMDD): ${JSON.stringify(dateText)}`);
    const qtyText = cell(r, o.qtyCol, line);
    if (!QTY.test(qtyText)) throw new ClvFileError(`line ${line}: ${o.qtyCol} is not a quantity: ${JSON.stringify(qtyText)}`);
    const qty = Number(qtyText);
    if (!first || date < first) first = date;
    if (date > last) last = date;
    if (qty < 0) {
      negativeRows++;
      continue;
    }
    add(total, date, qty);
    if (o.itemCol && o.item === undefined) {
      let m = byItem.get(item);
      if (!m) byItem.set(item, (m = new Map()));
      add(m, date, qty);
    }
  }
  if (!first) throw new ClvFileError(o.item !== undefined ? `no rows for item ${o.item}` : 'no rows in the file');
  return { total, byItem, rowsRead, negativeRows, firstDate: first, lastDate: last };
}

/** Items by total units, largest first (ties by name in code-point order). */
export function topItems(byItem: Map<string, Map<string, number>>, n: number): Array<{ item: string; units: number }> {
  return [...byItem]
    .map(([item, m]) => ({ item, units: [...m.values()].reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.units - a.units || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0))
    .slice(0, n);
}
