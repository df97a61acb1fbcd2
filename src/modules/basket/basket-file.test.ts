import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasketFileError, readBasketFile } from './basket-file.js';
import { basketsOf } from './domain/transactions.js';

let tmp: string;
const write = (name: string, content: string | Buffer) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
};
const labelled = (r: Awaited<ReturnType<typeof readBasketFile>>) => basketsOf(r.tx).map((b) => b.map((i) => r.tx.labels[i]));

beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-basket-file-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('basket files', () => {
  it('reads comma baskets with a BOM and CRLF, keeps blanks inside items, counts an empty line as an empty basket and a repeat once', async () => {
    const r = await readBasketFile(write('b.csv', '\uFEFFtea,milk \r\n\r\nsugar,tea,sugar\r\n'), { format: 'baskets' });
    expect(r).toMatchObject({ linesRead: 3, emptyBaskets: 1 });
    expect(r.tx.n).toBe(3);
    expect(r.tx.labels).toEqual(['milk ', 'sugar', 'tea']);
    expect(labelled(r)).toEqual([['milk ', 'tea'], [], ['sugar', 'tea']]);
  });

  it('reads a gzipped .dat with white space and trailing blanks, and orders numeric labels as numbers', async () => {
    const r = await readBasketFile(write('r.dat.gz', zlib.gzipSync('10 2 \n2  33 \n')), { format: 'baskets' });
    expect(r.tx.labels).toEqual(['2', '10', '33']);
    expect(labelled(r)).toEqual([['2', '10'], ['2', '33']]);
  });

  it('groups a line file by its basket column wherever the rows are', async () => {
    const r = await readBasketFile(write('l.csv', 'sku,ticket\na,t1\nb,t2\nc,t1\n"d, e",t2\n'), { format: 'lines', itemCol: 'sku', basketCol: 'ticket' });
    expect(r.linesRead).toBe(4);
    expect(labelled(r)).toEqual([['a', 'c'], ['b', 'd, e']]);
  });

  it('names the line and the item or column of bad input', async () => {
    await expect(readBasketFile(write('e.csv', 'a,b\nc,\n'), { format: 'baskets' })).rejects.toThrow(new BasketFileError('line 2: item 2 is empty'));
    await expect(readBasketFile(write('q.csv', 'sku,ticket\na,t1\n"b,t2\n'), { format: 'lines', itemCol: 'sku', basketCol: 'ticket' })).rejects.toThrow(/Quote Not Closed.*line 3/i);
    await expect(readBasketFile(write('h.csv', ''), { format: 'lines', itemCol: 'sku', basketCol: 'ticket' })).rejects.toThrow(/file is empty/);
    await expect(readBasketFile(write('t.csv', 'sku,ticket\na,\n'), { format: 'lines', itemCol: 'sku', basketCol: 'ticket' })).rejects.toThrow('line 2: ticket is empty');
    await expect(readBasketFile(tmp, { format: 'baskets' })).rejects.toThrow(/a directory/);
  });
});
