import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLabelledFile, SentimentFileError, trainFromFile } from './train-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-sentiment-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, content);
  return at;
}

const columns = { textCol: 'review', labelCol: 'stars' };

describe('readLabelledFile', () => {
  it('reads CSV with a BOM, quoted commas and newlines, and star ratings', () => {
    const at = file('reviews.csv', '\ufeffid,review,stars\n1,"好吃，下次还来",5\n2,"太慢了\n饭都凉了",1\n3,一般,3\n');
    expect(readLabelledFile(at, columns)).toEqual([
      { text: '好吃，下次还来', label: 'positive' },
      { text: '太慢了\n饭都凉了', label: 'negative' },
      { text: '一般', label: 'neutral' },
    ]);
  });

  it('reads TSV by its extension and NDJSON with numbers for labels', () => {
    expect(readLabelledFile(file('r.tsv', 'review\tstars\ngreat, really\tpos\n'), columns)).toEqual([{ text: 'great, really', label: 'positive' }]);
    expect(readLabelledFile(file('r.ndjson', '{"review":"bad","stars":0}\n\n{"review":"good","stars":1}\n'), columns)).toEqual([
      { text: 'bad', label: 'negative' },
      { text: 'good', label: 'positive' },
    ]);
  });

  it('names the line and the column of a bad row', () => {
    const cases: [string, string, string][] = [
      ['missing.csv', 'id,text,stars\n1,ok,5\n', 'line 1, column "review": no such column in the header (columns: id, text, stars)'],
      ['label.csv', 'review,stars\ngood,5\nbad,1\nhmm,meh\n', 'line 4, column "stars": unknown sentiment label "meh"'],
      ['empty.csv', 'review,stars\ngood,pos\n  ,neg\n', 'line 3, column "review": empty text'],
      ['missing.ndjson', '{"review":"good","stars":1}\n{"stars":0}\n', 'line 2, column "review": missing'],
      ['broken.ndjson', '{"review":"good","stars":1}\n{oops\n', 'line 2: not a JSON object'],
    ];
    for (const [name, content, message] of cases) {
      const at = file(name, content);
      expect(() => readLabelledFile(at, columns)).toThrow(SentimentFileError);
      expect(() => readLabelledFile(at, columns)).toThrow(message);
    }
  });
});

describe('trainFromFile', () => {
  it('trains on the file with the options given', () => {
    const lines = ['review,stars'];
    for (let i = 0; i < 20; i++) lines.push(`"质量很好，满意${i}",5`, `"质量很差，退货${i}",1`, `"还行${i}",3`);
    const model = trainFromFile(file('train.csv', `${lines.join('\n')}\n`), { ...columns, trainedAt: new Date('2026-11-24T00:00:00Z') });
    expect(model.info.rows).toEqual({ positive: 20, negative: 20, neutral: 20 });
    expect(model.score('质量很好').label).toBe('positive');
    expect(model.score('质量很差').label).toBe('negative');
  });
});
