/**
 * The five labelled corpora the shipped model is trained and evaluated on (../shared/data, see each folder's
 * PROVENANCE.md), and the deterministic stratified split into training, validation and held-out test rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { fnv1a } from './text.js';

/** The corpora by name: two Chinese (SophonPlus/ChineseNlpCorpus), three English (UCI dataset 331). */
export const CORPORA = ['online_shopping_7_cats', 'waimai_10k', 'amazon_cells', 'yelp', 'imdb'] as const;
export type CorpusName = (typeof CORPORA)[number];

/** One labelled review: `index` is its record number in the corpus file (0-based, header excluded). */
export interface CorpusRow {
  text: string;
  label: 0 | 1;
  corpus: CorpusName;
  category?: string;
  index: number;
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where the corpora live: ../shared/data beside the repository. */
export const DEFAULT_DATA_DIR = path.resolve(REPO_ROOT, '../shared/data');

const ENGLISH_FILES: Record<'amazon_cells' | 'yelp' | 'imdb', string> = {
  amazon_cells: 'amazon_cells_labelled.txt',
  yelp: 'yelp_labelled.txt',
  imdb: 'imdb_labelled.txt',
};

function label(value: string, where: string): 0 | 1 {
  const v = value.trim();
  if (v === '1') return 1;
  if (v === '0') return 0;
  throw new Error(`${where}: label ${JSON.stringify(value)} is neither 0 nor 1`);
}

/** A review's text without the BOM the first review of online_shopping carries, trimmed. */
const cleanText = (text: string) => text.replace(/^\ufeff/, '').trim();

/**
 * A SophonPlus CSV (`cat,label,review` or `label,review`; quoted fields with commas, quotes and newlines). The one
 * empty review of online_shopping is skipped; indices still count it, so they stay the file's record numbers.
 */
function readChinese(file: string, corpus: CorpusName): CorpusRow[] {
  const records = parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  const rows: CorpusRow[] = [];
  records.forEach((r, index) => {
    const text = cleanText(r.review ?? '');
    if (!text) return;
    const row: CorpusRow = { text, label: label(r.label ?? '', `${corpus} record ${index + 1}`), corpus, index };
    if (r.cat !== undefined) row.category = r.cat;
    rows.push(row);
  });
  return rows;
}

/**
 * A UCI file: `sentence<TAB>label` per line. Split on "\n" only (imdb has U+0085 inside sentences, which a generic
 * line splitter would break on) and take the text after the last tab as the label.
 */
function readEnglish(file: string, corpus: CorpusName): CorpusRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: CorpusRow[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const tab = line.lastIndexOf('\t');
    if (tab === -1) throw new Error(`${corpus} line ${rows.length + 1}: no tab before the label`);
    rows.push({ text: cleanText(line.slice(0, tab)), label: label(line.slice(tab + 1), `${corpus} line ${rows.length + 1}`), corpus, index: rows.length });
  }
  return rows;
}

/** Reads one corpus from `dataDir` (default ../shared/data). */
export function loadCorpus(corpus: CorpusName, dataDir = DEFAULT_DATA_DIR): CorpusRow[] {
  if (corpus === 'online_shopping_7_cats' || corpus === 'waimai_10k') return readChinese(path.join(dataDir, 'chinese_sentiment', `${corpus}.csv`), corpus);
  return readEnglish(path.join(dataDir, 'english_sentiment', ENGLISH_FILES[corpus]), corpus);
}

/** Reads all five corpora, in {@link CORPORA} order. */
export function loadCorpora(dataDir = DEFAULT_DATA_DIR): CorpusRow[] {
  return CORPORA.flatMap((c) => loadCorpus(c, dataDir));
}

/** The three parts of the split; `train` = `fit` ∪ `validation`. */
export interface CorpusSplit {
  /** Training rows minus the validation slice: what hyper-parameter candidates are fitted on. */
  fit: CorpusRow[];
  /** 20% of the training rows: what hyper-parameters are chosen on. */
  validation: CorpusRow[];
  /** 80% of every stratum: what the final model is trained on. */
  train: CorpusRow[];
  /** 20% of every stratum, held out: touched only by the final evaluation. */
  test: CorpusRow[];
}

/** The split rule, as printed in EVALUATION.md. */
export const SPLIT_RULE =
  'Strata = corpus × category × label. Within a stratum rows are ordered by FNV-1a-32 of "test:<corpus>:<index>" (ties by index) and the first round(20%) are the held-out test rows; ' +
  'of the remaining training rows, ordered the same way by "validation:<corpus>:<index>", the first round(20%) of each stratum are the validation slice used to choose hyper-parameters (64 / 16 / 20).';

/** Takes round(fraction × n) rows of every stratum, chosen by a salted stable hash: [taken, left]. */
function stratifiedTake(rows: readonly CorpusRow[], salt: string, fraction: number): [CorpusRow[], CorpusRow[]] {
  const strata = new Map<string, CorpusRow[]>();
  for (const row of rows) {
    const key = `${row.corpus}\u0000${row.category ?? ''}\u0000${row.label}`;
    const stratum = strata.get(key);
    if (stratum) stratum.push(row);
    else strata.set(key, [row]);
  }
  const taken = new Set<CorpusRow>();
  for (const stratum of strata.values()) {
    const keyed = stratum.map((row) => ({ row, h: fnv1a(`${salt}:${row.corpus}:${row.index}`) }));
    keyed.sort((a, b) => a.h - b.h || a.row.index - b.row.index);
    const count = Math.round(fraction * stratum.length);
    for (let i = 0; i < count; i++) taken.add(keyed[i]!.row);
  }
  return [rows.filter((r) => taken.has(r)), rows.filter((r) => !taken.has(r))];
}

/** The deterministic stratified split of {@link SPLIT_RULE}; rows keep their input order within each part. */
export function splitCorpora(rows: readonly CorpusRow[]): CorpusSplit {
  const [test, train] = stratifiedTake(rows, 'test', 0.2);
  const [validation, fit] = stratifiedTake(train, 'validation', 0.2);
  return { fit, validation, train, test };
}
