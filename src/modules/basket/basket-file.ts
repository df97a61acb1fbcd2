import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { openDecompressed } from '../../platform/files.js';
import { parse } from 'csv-parse';
import { encodeBaskets, type Transactions } from './domain/transactions.js';

/**
 * Baskets from a file, for `kemai basket rules|itemsets --from FILE` (no database).
 * - `baskets`: one basket per line, items separated by commas (Groceries' groceries.csv) or white space (FIMI `.dat`);
 *   the separator follows the extension (`.dat` → white space, else comma) unless given. Items are kept byte for byte
 *   with commas (Groceries has "cream cheese " with its trailing blank, as arules does); an empty line is an empty
 *   basket (it counts in N).
 * - `lines`: a CSV with a header, one row per (basket, item); rows of one basket may be anywhere in the file.
 * gzip is read directly (detected by its magic bytes). An item twice in one basket counts once.
 */
export class BasketFileError extends Error {}

export type BasketFormat = 'baskets' | 'lines';
export type BasketSeparator = 'comma' | 'space';

export interface BasketFileOptions {
  format: BasketFormat;
  separator?: BasketSeparator;
  itemCol?: string;
  basketCol?: string;
}

export interface BasketFile {
  tx: Transactions;
  /** Data lines read (CSV rows for `lines`, without the header). */
  linesRead: number;
  emptyBaskets: number;
}

/** A file as a stream of its bytes, gunzipped when it starts with gzip's magic bytes. */
export function openDataFile(file: string): Readable {
  if (!fs.existsSync(file)) throw new BasketFileError(`${file}: no such file`);
  if (fs.statSync(file).isDirectory()) throw new BasketFileError(`${file}: a directory, not a file`);
  return openDecompressed(file).stream;
}

/** The separator a `baskets` file uses when none is given: white space for `.dat`, commas otherwise. */
export const defaultSeparator = (file: string): BasketSeparator => (/\.dat(\.gz)?$/i.test(file) ? 'space' : 'comma');

async function readBasketLines(file: string, separator: BasketSeparator): Promise<BasketFile> {
  const baskets: string[][] = [];
  let line = 0;
  let empty = 0;
  try {
    for await (const raw of readline.createInterface({ input: openDataFile(file), crlfDelay: Infinity })) {
      line++;
      const text = line === 1 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
      if (separator === 'space') {
        const t = text.trim();
        baskets.push(t === '' ? [] : t.split(/\s+/));
      } else if (text === '') baskets.push([]);
      else {
        const items = text.split(',');
        const blank = items.findIndex((i) => i.trim() === '');
        if (blank >= 0) throw new BasketFileError(`line ${line}: item ${blank + 1} is empty`);
        baskets.push(items);
      }
      if (baskets[baskets.length - 1]!.length === 0) empty++;
    }
  } catch (e) {
    if (e instanceof BasketFileError) throw e;
    throw new BasketFileError(line > 0 ? `line ${line + 1}: ${(e as Error).message}` : (e as Error).message);
  }
  return { tx: encodeBaskets(baskets), linesRead: line, emptyBaskets: empty };
}

async function readItemLines(file: string, itemCol: string, basketCol: string): Promise<BasketFile> {
  const byBasket = new Map<string, string[]>();
  let itemAt = -1;
  let basketAt = -1;
  let rows = 0;
  const parser = openDataFile(file).pipe(parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: false }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (itemAt < 0) {
        itemAt = record.indexOf(itemCol);
        basketAt = record.indexOf(basketCol);
        const missing = [itemAt < 0 ? itemCol : null, basketAt < 0 ? basketCol : null].filter((c) => c !== null);
        if (missing.length) throw new BasketFileError(`line ${info.lines}: no column ${missing.join(', no column ')} (the header has ${record.join(', ')})`);
        continue;
      }
      rows++;
      const item = record[itemAt]!;
      const basket = record[basketAt]!;
      if (basket.trim() === '') throw new BasketFileError(`line ${info.lines}: ${basketCol} is empty`);
      if (item.trim() === '') throw new BasketFileError(`line ${info.lines}: ${itemCol} is empty`);
      const items = byBasket.get(basket);
      if (items) items.push(item);
      else byBasket.set(basket, [item]);
    }
  } catch (e) {
    if (e instanceof BasketFileError) throw e;
    throw new BasketFileError((e as Error).message);
  }
  if (itemAt < 0) throw new BasketFileError('the file is empty: a header naming the item and basket columns is needed');
  return { tx: encodeBaskets(byBasket.values()), linesRead: rows, emptyBaskets: 0 };
}

/** Reads a basket file (see the class comment); errors name the line and the column or item. */
export async function readBasketFile(file: string, o: BasketFileOptions): Promise<BasketFile> {
  if (o.format === 'lines') {
    if (!o.itemCol || !o.basketCol) throw new BasketFileError('the lines format needs the item and basket columns');
    return readItemLines(file, o.itemCol, o.basketCol);
  }
  return readBasketLines(file, o.separator ?? defaultSeparator(file));
}
