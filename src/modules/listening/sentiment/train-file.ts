/**
 * Retraining on a brand's own labelled reviews (`kemai listening train --from FILE --text-col C --label-col L`):
 * reads CSV, TSV or NDJSON, checks every row, then trains with {@link trainSentiment}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { detectLabelScale, parseLabel } from './labels.js';
import { trainSentiment, type LabelledText, type SentimentModel, type TrainSentimentOptions } from './model.js';

/** Which columns hold the text and the label, and how the file is laid out. */
export interface TrainFromFileOptions extends TrainSentimentOptions {
  textCol: string;
  labelCol: string;
  /** Field delimiter of a delimited file (default: tab for .tsv / .tab, else comma). */
  delimiter?: string;
  /** 'ndjson' for .ndjson / .jsonl files, 'delimited' otherwise, unless given. */
  format?: 'delimited' | 'ndjson';
}

/** A bad labelled-review file: the message names the line and, when one is at fault, the column. */
export class SentimentFileError extends Error {
  constructor(
    readonly line: number,
    readonly column: string | undefined,
    problem: string,
  ) {
    super(`line ${line}${column === undefined ? '' : `, column "${column}"`}: ${problem}`);
    this.name = 'SentimentFileError';
  }
}

interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

function readNdjson(content: string): RawRow[] {
  const rows: RawRow[] = [];
  content.split('\n').forEach((text, i) => {
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SentimentFileError(i + 1, undefined, 'not a JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SentimentFileError(i + 1, undefined, 'not a JSON object');
    rows.push({ line: i + 1, fields: value as Record<string, unknown> });
  });
  return rows;
}

function readDelimited(content: string, delimiter: string, textCol: string, labelCol: string): RawRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(content, { columns: true, bom: true, skip_empty_lines: true, delimiter, info: true });
  } catch (e) {
    throw new Error(`cannot read the file: ${(e as Error).message}`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  for (const column of [textCol, labelCol]) {
    if (records.length && !header.includes(column)) throw new SentimentFileError(1, column, `no such column in the header (columns: ${header.join(', ')})`);
  }
  return records.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

/** A cell as text; numbers and booleans of NDJSON read as their JSON form. */
function cell(row: RawRow, column: string): string {
  const value = row.fields[column];
  if (value === undefined || value === null) throw new SentimentFileError(row.line, column, 'missing');
  if (typeof value === 'object') throw new SentimentFileError(row.line, column, 'not a string or a number');
  return String(value);
}

/**
 * Reads labelled texts from a file. Labels are read by {@link parseLabel}; a column holding only integers 1–5 with
 * some above 1 is read as star ratings. A missing column, an empty text or an unknown label throws a
 * {@link SentimentFileError} naming the line and the column; nothing is returned then.
 */
export function readLabelledFile(file: string, options: Pick<TrainFromFileOptions, 'textCol' | 'labelCol' | 'delimiter' | 'format'>): LabelledText[] {
  const content = fs.readFileSync(file, 'utf8');
  const extension = path.extname(file).toLowerCase();
  const format = options.format ?? (extension === '.ndjson' || extension === '.jsonl' ? 'ndjson' : 'delimited');
  const delimiter = options.delimiter ?? (extension === '.tsv' || extension === '.tab' ? '\t' : ',');
  const raw = format === 'ndjson' ? readNdjson(content) : readDelimited(content, delimiter, options.textCol, options.labelCol);
  const cells = raw.map((row) => ({ line: row.line, text: cell(row, options.textCol), label: cell(row, options.labelCol) }));
  const scale = detectLabelScale(cells.map((c) => c.label));
  return cells.map(({ line, text, label }) => {
    if (!text.trim()) throw new SentimentFileError(line, options.textCol, 'empty text');
    try {
      return { text, label: parseLabel(label, scale) };
    } catch (e) {
      throw new SentimentFileError(line, options.labelCol, (e as Error).message);
    }
  });
}

/** Trains a model on a labelled file ({@link readLabelledFile}, then {@link trainSentiment} with the same options). */
export function trainFromFile(file: string, options: TrainFromFileOptions): SentimentModel {
  const { textCol: _t, labelCol: _l, delimiter: _d, format: _f, ...training } = options;
  return trainSentiment(readLabelledFile(file, options), training);
}
