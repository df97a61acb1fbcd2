import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { MENTION_SOURCES, parseMentionFile, type Alert, type FileFormat, type MentionSource, type ScanSummary, type TermHeat, type TrendPoint } from '../modules/listening/index.js';
import { SentimentModel } from '../modules/listening/sentiment/model.js';
import { labelFor } from '../modules/listening/analyzer.js';
import { readLabelledFile, readTextColumn, trainSentiment, evaluateHoldout } from '../modules/listening/labelled-file.js';
import { CliError, withBackend } from './context.js';

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
const actor = () => `cli:${os.userInfo().username || 'operator'}`;
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

function readFile(file: string): string {
  if (!fs.existsSync(file)) throw new CliError(`--from: no such file ${file}`, 2);
  return fs.readFileSync(file, 'utf8');
}

function formatOf(file: string, given: string | undefined): FileFormat {
  const f = given ?? (/\.ndjson$|\.jsonl$/i.test(file) ? 'ndjson' : /\.json$/i.test(file) ? 'json' : /\.tsv$|\.txt$/i.test(file) ? 'tsv' : 'csv');
  if (!['csv', 'tsv', 'ndjson', 'json'].includes(f)) throw new CliError(`--format: one of csv, tsv, ndjson, json (got ${f})`, 2);
  return f as FileFormat;
}

/** `--map text=content,postedAt=created_at` → { text: 'content', postedAt: 'created_at' }. */
function mappingOf(value: string | undefined): Record<string, string> {
  if (!value) return {};
  const out: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [k, v] = pair.split('=').map((s) => s.trim());
    if (!k || !v) throw new CliError(`--map: pairs field=column separated by commas (got ${pair})`, 2);
    out[k] = v;
  }
  return out;
}

/** `kemai listening import|sentiment|trends|spikes|train`: social listening from the command line. */
export function registerListeningCommands(program: Command): void {
  const listening = program.command('listening').description('Social listening: import mentions, label sentiment, trends and keyword heat, spikes, retrain the model');

  listening
    .command('import <file>')
    .description('Import mentions from a monitoring export (CSV, TSV, NDJSON, JSON): the whole file is checked first (problems by line), then stored in batches; re-running it stores nothing twice')
    .option('--format <format>', 'csv, tsv, ndjson or json (default: from the file name)')
    .option('--source <source>', `for rows without a source column (${MENTION_SOURCES.join(', ')})`)
    .option('--map <pairs>', 'our field=their column, e.g. text=content,postedAt=created_at')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { format?: string; source?: string; map?: string; json?: boolean }) => {
      if (o.source !== undefined && !(MENTION_SOURCES as readonly string[]).includes(o.source)) throw new CliError(`--source: one of ${MENTION_SOURCES.join(', ')} (got ${o.source})`, 2);
      const content = readFile(file);
      const { items, issues } = parseMentionFile(content, { format: formatOf(file, o.format), mapping: mappingOf(o.map), ...(o.source ? { source: o.source as MentionSource } : {}) });
      if (issues.length) {
        const shown = issues.slice(0, 20).map((i) => `  line ${i.line}${i.path ? ` ${i.path}` : ''}: ${i.message}`);
        throw new CliError(`${path.basename(file)}: ${issues.length} problem(s); nothing was imported\n${shown.join('\n')}${issues.length > 20 ? `\n  … and ${issues.length - 20} more` : ''}`, 1);
      }
      const bar = o.json ? null : new cliProgress.SingleBar({ format: 'import [{bar}] {percentage}% | {value}/{total} mentions', stream: process.stderr, hideCursor: true, fps: 5 }, cliProgress.Presets.shades_classic);
      bar?.start(items.length, 0);
      const result = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const total = { received: 0, inserted: 0, duplicates: 0, linked: 0 };
          for (let i = 0; i < items.length; i += 5000) {
            const r = await b.api.call<typeof total>('POST', '/api/v1/listening/mentions', { items: items.slice(i, i + 5000) });
            for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r[k];
            bar?.update(Math.min(items.length, i + 5000));
          }
          return total;
        }
        return b.kemai.listening.importItems(items, (done) => bar?.update(done));
      });
      bar?.stop();
      print(!!o.json, result, `${result.inserted} new mention(s), ${result.duplicates} already there, ${result.linked} linked to customers (${items.length} in the file)`);
    });

  listening
    .command('sentiment')
    .description('Label the texts of a file with the sentiment model in force: one result per row (label, score −1…1)')
    .requiredOption('--from <file>', 'CSV/TSV (with a header) or NDJSON')
    .requiredOption('--text-col <column>', 'the column (or JSON field) holding the text')
    .option('--shipped', 'use the shipped model even when the brand has trained its own')
    .option('--json', 'one JSON object per row instead of CSV')
    .action(async (o: { from: string; textCol: string; shipped?: boolean; json?: boolean }) => {
      const texts = readTextColumn(readFile(o.from), { file: o.from, textCol: o.textCol });
      const model = o.shipped ? SentimentModel.shipped() : await withBackend(async (b) => (b.mode === 'remote' ? SentimentModel.shipped() : (await b.kemai.listening.models.refresh(), b.kemai.listening.models.current())), { remoteOk: true });
      const results = model.scoreMany(texts.map((t) => t.text));
      const out = results.map((r, i) => ({ line: texts[i]!.line, label: labelFor(texts[i]!.text, r), score: Math.round(r.score * 1000) / 1000, lang: r.lang }));
      if (o.json) for (const r of out) console.log(JSON.stringify(r));
      else console.log(['line,label,score', ...out.map((r) => `${r.line},${r.label},${r.score}`)].join('\n'));
    });

  listening
    .command('train')
    .description('Retrain the sentiment model on the brand’s own labelled reviews (labels: 1/0, positive/negative/neutral, 好评/差评/中评, or 1–5 stars); prints its accuracy on a held-out fifth, then stores the model trained on every row for all processes')
    .requiredOption('--from <file>', 'CSV/TSV (with a header) or NDJSON')
    .requiredOption('--text-col <column>', 'the text column')
    .requiredOption('--label-col <column>', 'the label column')
    .option('--dry-run', 'evaluate only; store nothing')
    .option('--json', 'machine-readable output')
    .action(async (o: { from: string; textCol: string; labelCol: string; dryRun?: boolean; json?: boolean }) => {
      const rows = readLabelledFile(readFile(o.from), { file: o.from, textCol: o.textCol, labelCol: o.labelCol });
      const evaluation = evaluateHoldout(rows);
      const model = trainSentiment(rows);
      const status = o.dryRun ? null : await withBackend(async (b) => (b.mode === 'remote' ? null : b.kemai.listening.models.save(model, actor())), { remoteOk: false });
      print(
        !!o.json,
        { rows: rows.length, evaluation, model: status ?? model.info },
        [
          `${rows.length} labelled rows; held-out fifth: accuracy ${pct(evaluation.accuracy)}, macro-F1 ${pct(evaluation.macroF1)} (shipped model on the same rows: ${pct(evaluation.shippedAccuracy)})`,
          o.dryRun ? 'Dry run: nothing stored.' : `Stored as the model in force (${status!.id}); every process picks it up within 5 minutes.`,
        ].join('\n'),
      );
    });

  listening
    .command('trends')
    .description('Mentions and negative share per day (or hour), and the hottest and rising keywords')
    .option('--from <instant>', 'start (ISO 8601 with offset); default 7 days ago')
    .option('--to <instant>', 'end; default now')
    .option('--bucket <bucket>', 'hour, day or week', 'day')
    .option('--region <region>', 'one region')
    .option('--store <code>', 'one store')
    .option('--sku <sku>', 'one product')
    .option('--keyword <term>', 'one keyword')
    .option('--json', 'machine-readable output')
    .action(async (o: { from?: string; to?: string; bucket: string; region?: string; store?: string; sku?: string; keyword?: string; json?: boolean }) => {
      if (!['hour', 'day', 'week'].includes(o.bucket)) throw new CliError(`--bucket: hour, day or week (got ${o.bucket})`, 2);
      for (const [flag, v] of [['--from', o.from], ['--to', o.to]] as const)
        if (v !== undefined && Number.isNaN(Date.parse(v))) throw new CliError(`${flag}: not an instant: ${v}`, 2);
      const q: Record<string, string> = { bucket: o.bucket };
      if (o.from) q.from = new Date(o.from).toISOString();
      if (o.to) q.to = new Date(o.to).toISOString();
      if (o.region) q.region = o.region;
      if (o.store) q.storeCode = o.store;
      if (o.sku) q.sku = o.sku;
      if (o.keyword) q.keyword = o.keyword;
      const out = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const qs = new URLSearchParams(q).toString();
          const [trend, terms] = await Promise.all([b.api.call<{ points: TrendPoint[] }>('GET', `/api/v1/listening/trend?${qs}`), b.api.call<{ items: TermHeat[]; rising: TermHeat[] }>('GET', `/api/v1/listening/terms?${qs}&limit=15`)]);
          return { trend, terms };
        }
        const [trend, terms] = await Promise.all([b.kemai.listening.stats.trend({ ...q, timeZone: b.kemai.config.timeZone } as never), b.kemai.listening.stats.terms({ ...q, limit: 15 } as never)]);
        return { trend, terms };
      });
      print(
        !!o.json,
        out,
        [
          'when              mentions  negative  share',
          ...out.trend.points.map((p) => `${p.at.slice(0, 16).replace('T', ' ')}  ${String(p.mentions).padStart(8)}  ${String(p.negatives).padStart(8)}  ${pct(p.negativeShare).padStart(6)}`),
          '',
          `hot:    ${out.terms.items.map((t) => `${t.term} ${t.count}`).join(', ') || '—'}`,
          `rising: ${out.terms.rising.map((t) => `${t.term} ${t.previous}→${t.count}`).join(', ') || '—'}`,
        ].join('\n'),
      );
    });

  listening
    .command('spikes')
    .description('Spike alerts (open by default); --scan evaluates the rules now first')
    .option('--scan', 'run the spike scan now (and deliver notices)')
    .option('--all', 'closed alerts too')
    .option('--json', 'machine-readable output')
    .action(async (o: { scan?: boolean; all?: boolean; json?: boolean }) => {
      const out = await withBackend(async (b) => {
        const status = o.all ? 'all' : 'open';
        if (b.mode === 'remote') {
          const scan = o.scan ? await b.api.call<ScanSummary>('POST', '/api/v1/listening/scan') : null;
          return { scan, alerts: (await b.api.call<{ items: Alert[] }>('GET', `/api/v1/listening/alerts?status=${status}`)).items };
        }
        const scan = o.scan ? await b.kemai.listening.scanNow() : null;
        return { scan, alerts: await b.kemai.listening.alerts.listAlerts({ status, limit: 100 }) };
      });
      const line = (a: Alert) =>
        `${a.status.padEnd(6)} ${a.openedAt.slice(0, 16).replace('T', ' ')}  ${`${a.scopeType}:${a.scopeKey}`.padEnd(22)} ${String(a.peak.observed).padStart(6)} vs ${a.peak.expected.toFixed(1).padStart(6)} expected (+${Math.round(a.peak.increasePct)}%, neg ${pct(a.peak.negativeShare)})  ${a.ruleName ?? ''}${a.crisisId ? '  [crisis]' : ''}`;
      print(
        !!o.json,
        out,
        [
          ...(out.scan ? [`scan: ${out.scan.rules} rules, ${out.scan.scopes} scopes; ${out.scan.opened} opened, ${out.scan.updated} updated, ${out.scan.closed} closed`] : []),
          ...(out.alerts.length ? out.alerts.map(line) : ['No alerts.']),
        ].join('\n'),
      );
    });
}
