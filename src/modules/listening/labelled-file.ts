import crypto from 'node:crypto';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { invalid } from '../../platform/errors.js';
import { detectLabelScale, parseLabel } from './sentiment/labels.js';
import { binaryScores } from './sentiment/metrics.js';
import { SentimentModel, trainSentiment, type LabelledText } from './sentiment/model.js';

export { trainSentiment };

interface FileRef {
  /** The file's name, for messages and to tell NDJSON (.ndjson, .jsonl) from CSV/TSV (.tsv, .txt: tab-separated). */
  file: string;
  textCol: string;
}

/** The rows of a CSV/TSV file (with a header) or an NDJSON file, each with its line number. */
function readRows(content: string, file: string): Array<{ line: number; row: Record<string, unknown> }> {
  if (/\.(ndjson|jsonl)$/i.test(file)) {
    const out: Array<{ line: number; row: Record<string, unknown> }> = [];
    content.split('\n').forEach((text, i) => {
      if (!text.trim()) return;
      try {
        out.push({ line: i + 1, row: JSON.parse(text) as Record<string, unknown> });
      } catch {
        throw invalid('listening.bad_file', `${file} line ${i + 1}: not JSON`, [{ path: `line ${i + 1}`, message: 'not JSON' }]);
      }
    });
    return out;
  }
  try {
    const records = parse(content.replace(/^\uFEFF/, ''), { columns: true, delimiter: /\.(tsv|txt)$/i.test(file) ? '\t' : ',', skip_empty_lines: true, info: true, relax_quotes: true }) as Array<{ record: Record<string, unknown>; info: { lines: number } }>;
    return records.map((r) => ({ line: r.info.lines, row: r.record }));
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw invalid('listening.bad_file', `${file} line ${e.lines ?? '?'}: ${e.message}`, [{ path: `line ${e.lines ?? '?'}`, message: e.message }]);
  }
}

function column(rows: Array<{ line: number; row: Record<string, unknown> }>, file: string, col: string, flag: string): void {
  if (rows.length > 0 && !(col in rows[0]!.row)) {
    const have = Object.keys(rows[0]!.row).join(', ');
    throw invalid('listening.no_column', `${flag}: ${path.basename(file)} has no column "${col}" (it has: ${have})`, [{ path: flag, message: `no column ${col}` }]);
  }
}

/** The texts of one column (`--text-col`), with line numbers; empty texts are kept (they score neutral). */
export function readTextColumn(content: string, ref: FileRef): Array<{ line: number; text: string }> {
  const rows = readRows(content, ref.file);
  column(rows, ref.file, ref.textCol, '--text-col');
  return rows.map(({ line, row }) => ({ line, text: String(row[ref.textCol] ?? '') }));
}

/**
 * Labelled texts for training. Every problem is an error naming the line and the column: a missing text, an unknown
 * label. Labels read as parseLabel does; a column of 1–5 integers reads as star ratings.
 */
export function readLabelledFile(content: string, ref: FileRef & { labelCol: string }): LabelledText[] {
  const rows = readRows(content, ref.file);
  if (rows.length === 0) throw invalid('listening.empty_file', `${ref.file}: no rows`, [{ path: '--from', message: 'no rows' }]);
  column(rows, ref.file, ref.textCol, '--text-col');
  column(rows, ref.file, ref.labelCol, '--label-col');
  const scale = detectLabelScale(rows.map((r) => String(r.row[ref.labelCol] ?? '')));
  const issues: Array<{ path: string; message: string }> = [];
  const out: LabelledText[] = [];
  for (const { line, row } of rows) {
    const text = String(row[ref.textCol] ?? '').trim();
    if (!text) {
      issues.push({ path: `line ${line} ${ref.textCol}`, message: 'empty text' });
      continue;
    }
    try {
      out.push({ text, label: parseLabel(String(row[ref.labelCol] ?? ''), scale) });
    } catch (err) {
      issues.push({ path: `line ${line} ${ref.labelCol}`, message: (err as Error).message });
    }
  }
  if (issues.length) throw invalid('listening.bad_labels', `${issues.length} problem(s) in ${ref.file} (first: ${issues[0]!.path}: ${issues[0]!.message}); nothing was trained`, issues.slice(0, 100));
  const polar = new Set(out.filter((r) => r.label !== 'neutral').map((r) => r.label));
  if (polar.size < 2) throw invalid('listening.one_class', `--label-col: training needs both positive and negative rows (found only ${[...polar].join('') || 'neutral'})`, [{ path: '--label-col', message: 'one class' }]);
  return out;
}

/** Which rows are held out: a stable hash of the text, one in five. */
const heldOut = (text: string) => crypto.createHash('sha256').update(text).digest()[0]! % 5 === 0;

/**
 * Trains on four fifths of the rows and scores the held-out fifth (polar rows only), next to the shipped model on the
 * same rows: what retraining buys on the brand's own reviews.
 */
export function evaluateHoldout(rows: readonly LabelledText[]): { n: number; accuracy: number | null; macroF1: number | null; shippedAccuracy: number | null } {
  const train = rows.filter((r) => !heldOut(r.text));
  const test = rows.filter((r) => heldOut(r.text) && r.label !== 'neutral');
  const trainPolar = new Set(train.filter((r) => r.label !== 'neutral').map((r) => r.label));
  if (test.length === 0 || trainPolar.size < 2) return { n: test.length, accuracy: null, macroF1: null, shippedAccuracy: null };
  const model = trainSentiment(train);
  const truth = test.map((r) => (r.label === 'positive' ? 1 : 0));
  const predict = (m: SentimentModel) => m.scoreMany(test.map((r) => r.text)).map((s) => (s.probability >= 0.5 ? 1 : 0));
  const ours = binaryScores(truth, predict(model));
  const shipped = binaryScores(truth, predict(SentimentModel.shipped()));
  return { n: test.length, accuracy: ours.accuracy, macroF1: ours.macroF1, shippedAccuracy: shipped.accuracy };
}
