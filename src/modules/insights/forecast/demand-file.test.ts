import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readDemandFile, topItems } from './demand-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-forecast-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, name.endsWith('.gz') ? zlib.gzipSync(text) : text);
  return file;
};
const ONLINE_RETAIL_LIKE = [
  '"InvoiceNo","StockCode","Quantity","InvoiceDate"',
  '"1","A",6,"2010-12-01 08:26:00"',
  '"1","B",2,"2010-12-01 08:26:00"',
  '"2","A",4,"2010-12-01 17:00:00"',
  '"C3","A",-3,"2010-12-02 09:00:00"',
  '"4","B",5,"2010-12-03 10:00:00"',
].join('\n');
const opts = { dateCol: 'InvoiceDate', qtyCol: 'Quantity', timeZone: 'Europe/London' };

describe('readDemandFile', () => {
  it('sums units per day and per item (gzip), leaving negative quantities out', async () => {
    const f = await readDemandFile(write('retail.csv.gz', ONLINE_RETAIL_LIKE), { ...opts, itemCol: 'StockCode' });
    expect([...f.total]).toEqual([
      ['2010-12-01', 12],
      ['2010-12-03', 5],
    ]);
    expect([...f.byItem.get('A')!]).toEqual([['2010-12-01', 10]]);
    expect(f).toMatchObject({ rowsRead: 5, negativeRows: 1, firstDate: '2010-12-01', lastDate: '2010-12-03' });
    expect(topItems(f.byItem, 5)).toEqual([
      { item: 'A', units: 10 },
      { item: 'B', units: 7 },
    ]);
  });

  it('reads one item', async () => {
    const f = await readDemandFile(write('retail.csv', ONLINE_RETAIL_LIKE), { ...opts, itemCol: 'StockCode', item: 'B' });
    expect([...f.total]).toEqual([
      ['2010-12-01', 2],
      ['2010-12-03', 5],
    ]);
    expect(f.byItem.size).toBe(0);
  });

  it('names the line and the column of bad input', async () => {
    const bad = write('bad.csv', `${ONLINE_RETAIL_LIKE}\n"5","A",two,"2010-12-04"`);
    await expect(readDemandFile(bad, opts)).rejects.toThrow('line 7: Quantity is not a quantity: "two"');
    const date = write('date.csv', `${ONLINE_RETAIL_LIKE}\n"5","A",2,"2010-13-04"`);
    await expect(readDemandFile(date, opts)).rejects.toThrow('line 7: InvoiceDate is not a date');
    await expect(readDemandFile(bad, { ...opts, qtyCol: 'Qty' })).rejects.toThrow('line 2: no column Qty (the columns are InvoiceNo, StockCode, Quantity, InvoiceDate)');
    await expect(readDemandFile(bad, { ...opts, item: 'A' })).rejects.toThrow('--item needs --item-col');
    await expect(readDemandFile(write('r2.csv', ONLINE_RETAIL_LIKE), { ...opts, itemCol: 'StockCode', item: 'Z' })).rejects.toThrow('no rows for item Z');
  });
});
