import { parse } from 'csv-parse';
import { BasketFileError, openDataFile } from './basket-file.js';
import { dayOf, type DatedBasket } from './domain/personal.js';

/**
 * Dated customer baskets from an order-line CSV (one row per basket and item, a header naming the columns), for
 * `kemai basket evaluate|recommend --customer`: Online Retail (InvoiceNo, StockCode, InvoiceDate, CustomerID,
 * Quantity), Complete Journey (basket_id, product_id, transaction_timestamp, household_id, quantity), or any such file.
 * A basket's customer and day are those of its first row (the date part, YYYY-MM-DD, of the date column).
 */
export interface HistoryFileOptions {
  customerCol: string;
  basketCol: string;
  itemCol: string;
  dateCol: string;
  /** Rows whose quantity is 0 or below (returns, cancellations) are left out. */
  quantityCol?: string;
}

export interface HistoryFile {
  baskets: DatedBasket[];
  /** Data rows read; rows left out without a customer; rows left out with a quantity ≤ 0. */
  rows: number;
  anonymousRows: number;
  nonPositiveRows: number;
}

export async function readHistoryFile(file: string, o: HistoryFileOptions): Promise<HistoryFile> {
  const cols = [o.customerCol, o.basketCol, o.itemCol, o.dateCol, ...(o.quantityCol ? [o.quantityCol] : [])];
  let at: number[] | null = null;
  const byBasket = new Map<string, { customer: string; day: number; items: string[] }>();
  let rows = 0;
  let anonymous = 0;
  let nonPositive = 0;
  const parser = openDataFile(file).pipe(parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: false }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!at) {
        at = cols.map((c) => record.indexOf(c));
        const missing = cols.filter((_, k) => at![k]! < 0);
        if (missing.length) throw new BasketFileError(`line ${info.lines}: no column ${missing.join(', no column ')} (the header has ${record.join(', ')})`);
        continue;
      }
      rows++;
      const [customer, basket, item, date, quantity] = at.map((k) => record[k]!.trim());
      if (customer === '') {
        anonymous++;
        continue;
      }
      if (quantity !== undefined) {
        const q = Number(quantity);
        if (quantity === '' || !Number.isFinite(q)) throw new BasketFileError(`line ${info.lines}: ${o.quantityCol}: not a number: ${quantity}`);
        if (q <= 0) {
          nonPositive++;
          continue;
        }
      }
      if (basket === '') throw new BasketFileError(`line ${info.lines}: ${o.basketCol} is empty`);
      if (item === '') throw new BasketFileError(`line ${info.lines}: ${o.itemCol} is empty`);
      const day = dayOf(date!);
      if (Number.isNaN(day)) throw new BasketFileError(`line ${info.lines}: ${o.dateCol}: not a date (YYYY-MM-DD…): ${date}`);
      const b = byBasket.get(basket!);
      if (b) b.items.push(item!);
      else byBasket.set(basket!, { customer: customer!, day, items: [item!] });
    }
  } catch (e) {
    if (e instanceof BasketFileError) throw e;
    throw new BasketFileError((e as Error).message);
  }
  if (!at) throw new BasketFileError('the file is empty: a header naming the columns is needed');
  return { baskets: [...byBasket.values()], rows, anonymousRows: anonymous, nonPositiveRows: nonPositive };
}
