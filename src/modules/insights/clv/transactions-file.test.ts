import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayNumber } from './summary.js';
import { ClvFileError, readTransactions } from './transactions-file.js';

let tmp: string;
const write = (name: string, text: string | Buffer) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const base = { customerCol: 'cust', dateCol: 'day', amountCol: 'paid', timeZone: 'Asia/Shanghai' };

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-clv-file-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('reading transaction files for kemai clv', () => {
  it('reads CSV, NDJSON (by content) and gzip alike, with YYYY-MM-DD and YYYYMMDD dates; guests left out', async () => {
    const csv = write('t.csv', 'cust,day,paid\nu1,2024-03-01,10.5\nu1,20240301,4.5\nu2,2024-03-05 18:30,7\n,2024-03-06,9\n');
    const r = await readTransactions(csv, base);
    expect(r).toMatchObject({ rowsRead: 4, guestRows: 1, firstDate: '2024-03-01', lastDate: '2024-03-05' });
    expect(r.log.get('u1')).toEqual(new Map([[dayNumber('2024-03-01'), 15]]));
    const nd = write('t.data', '{"cust":"u1","day":"20240301","paid":"10.5"}\n\n{"cust":"u2","day":"2024-03-05","paid":7}\n');
    expect((await readTransactions(nd, base)).log.get('u2')).toEqual(new Map([[dayNumber('2024-03-05'), 7]]));
    const gz = write('t.csv.gz', zlib.gzipSync('cust,day,paid\nu9,2024-01-02,3\n'));
    expect((await readTransactions(gz, base)).log.get('u9')?.get(dayNumber('2024-01-02'))).toBe(3);
  });

  it('reads whitespace files with a header (CRLF, like CDNOW_master.txt) and without one given --columns', async () => {
    const master = write('master.txt', ' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n');
    const r = await readTransactions(master, { customerCol: 'customer_id', dateCol: 'date', amountCol: 'dollar_value', timeZone: 'UTC' });
    expect(r.log.get('00002')).toEqual(new Map([[dayNumber('1997-01-12'), 12]]));
    const sample = write('sample.txt', ' 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n');
    const s = await readTransactions(sample, { customerCol: 'sampleid', dateCol: 'date', amountCol: 'sales', header: false, columns: ['masterid', 'sampleid', 'date', 'cds', 'sales'], timeZone: 'UTC' });
    expect(s.log.get('0001')?.size).toBe(2);
    await expect(readTransactions(sample, { customerCol: 'sampleid', dateCol: 'date', amountCol: 'sales', header: false, timeZone: 'UTC' })).rejects.toThrow('--columns');
  });

  it('bad input names the line and the column', async () => {
    const cases: Array<[string, string, string]> = [
      ['d.csv', 'cust,day,paid\nu1,2024-03-01,1\nu2,2024-02-30,1\n', 'line 3: day is not a date (YYYY-MM-DD or YYYYMMDD): "2024-02-30"'],
      ['a.csv', 'cust,day,paid\nu1,2024-03-01,-4\n', 'line 2: paid is not a non-negative amount: "-4"'],
      ['c.csv', 'who,day,paid\nu1,2024-03-01,1\n', 'line 2: no column cust'],
      ['n.ndjson', '{"cust":"u1","day":"2024-03-01","paid":1}\n[1]\n', 'line 2: not a JSON object'],
      ['w.txt', 'cust day paid\nu1 20240301 1\nu2 20240302\n', 'line 3: 2 fields, expected 3 (cust, day, paid)'],
      ['l.csv', 'cust,day,paid\nu1,2024-03-01,1,9\n', 'on line 2'],
    ];
    for (const [name, text, message] of cases) {
      const err = await readTransactions(write(name, text), base).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(ClvFileError);
      expect((err as Error).message, name).toContain(message);
    }
    await expect(readTransactions(path.join(tmp, 'missing.csv'), base)).rejects.toThrow('no such file');
  });
});
