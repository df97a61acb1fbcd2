import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { formatMoney } from '../platform/money.js';
import {
  rfGrid,
  rfmFromFile,
  RfmFileError,
  RfmThresholds,
  RFM_SEGMENTS,
  VALUE_CLASSES,
  VALUE_QUADRANTS,
  type GridCell,
  type RfmRow,
  type RfmService,
} from '../modules/segments/index.js';
import { CliError, withBackend } from './context.js';

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

function windowOption(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError('--window-days: a whole number of days from 1', 2);
  return n;
}

function dateOption(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) throw new CliError(`--as-of: not a date (YYYY-MM-DD): ${v}`, 2);
  return v;
}

function thresholdsOption(v: string | undefined): RfmThresholds | undefined {
  if (v === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.existsSync(v) ? fs.readFileSync(v, 'utf8') : v);
  } catch {
    throw new CliError('--thresholds: JSON (or a JSON file) like {"recencyDays":[30,90,180,365],"frequency":[2,3,5,8],"monetaryFen":[10000,50000,100000,500000]}', 2);
  }
  const r = RfmThresholds.safeParse(raw);
  if (!r.success) throw new CliError(`--thresholds: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
  return r.data;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The grid as text: R rows 5 → 1, F columns 1 → 5, customers in each cell. */
function gridText(cells: GridCell[]): string {
  const lines = ['        F=1       F=2       F=3       F=4       F=5'];
  for (let r = 5; r >= 1; r--) lines.push(`  R=${r} ${cells.filter((c) => c.r === r).map((c) => pad(c.customers, 9)).join(' ')}`);
  return lines.join('\n');
}

type Counted = { key: string; customers: number; monetaryFen: number };
const countsText = (title: string, rows: Counted[]) =>
  [title, ...rows.map((r) => `  ${r.key.padEnd(20)} ${pad(r.customers.toLocaleString('en'), 10)}  ${formatMoney(r.monetaryFen)}`)].join('\n');

function summarizeRows(rows: RfmRow[]) {
  const by = <K extends string>(keys: readonly K[], pick: (r: RfmRow) => string) =>
    keys.map((key) => {
      const mine = rows.filter((r) => pick(r) === key);
      return { key, customers: mine.length, monetaryFen: mine.reduce((s, r) => s + r.monetaryFen, 0) };
    });
  return {
    classes: by(VALUE_CLASSES, (r) => r.valueClass),
    segments: by(RFM_SEGMENTS, (r) => r.segment),
    quadrants: by(VALUE_QUADRANTS, (r) => r.valueQuadrant),
    grid: rfGrid(rows),
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * The `segments` command group (rfm, export; rule segments, membership and clusters add theirs),
 * and `kemai rfm --from FILE` for analysts without a database.
 */
export function registerSegmentsCommands(program: Command): Command {
  const segments =
    program.commands.find((c) => c.name() === 'segments') ?? program.command('segments').description('Segments: RFM, value matrix, rule segments, clusters, exports');

  program
    .command('rfm')
    .description('RFM from a file, without a database: the same scores, classes, segments and value matrix as `kemai segments rfm`')
    .requiredOption('--from <file>', 'CSV or NDJSON (by extension, else by content; .gz allowed)')
    .requiredOption('--customer-col <name>', 'customer column (rows without one are guests: left out)')
    .requiredOption('--date-col <name>', 'purchase date: YYYY-MM-DD, a local date-time (taken as the business date written), or an ISO instant')
    .requiredOption('--amount-col <name>', 'amount paid (at most 2 decimals); with --quantity-col the unit price')
    .option('--order-col <name>', 'rows with the same value are one order (line files); default every row is an order')
    .option('--quantity-col <name>', 'the row amount is quantity × amount')
    .option('--skip <column=regex>', 'leave out rows whose column matches (repeatable), e.g. InvoiceNo=^[AC]', collect, [])
    .option('--as-of <date>', 'as-of business date (default the latest date in the file)')
    .option('--window-days <n>', 'only the last n days up to as-of (default all history)')
    .option('--thresholds <json>', 'fixed thresholds instead of quintiles (JSON or a JSON file)')
    .option('--out <file.csv>', 'write every customer’s scores to a CSV file')
    .option('--json', 'machine-readable output (every customer’s scores and the summaries)')
    .action(async (o: Record<string, string | string[] | boolean | undefined>) => {
      const skip = (o.skip as string[]).map((s) => {
        const i = s.indexOf('=');
        if (i < 1) throw new CliError(`--skip: column=regex, got ${s}`, 2);
        try {
          return { column: s.slice(0, i), pattern: new RegExp(s.slice(i + 1)) };
        } catch {
          throw new CliError(`--skip: not a regular expression: ${s.slice(i + 1)}`, 2);
        }
      });
      const thresholds = thresholdsOption(o.thresholds as string | undefined);
      let result;
      try {
        result = await rfmFromFile(o.from as string, {
          customerCol: o.customerCol as string,
          dateCol: o.dateCol as string,
          amountCol: o.amountCol as string,
          orderCol: o.orderCol as string | undefined,
          quantityCol: o.quantityCol as string | undefined,
          skip,
          asOf: dateOption(o.asOf as string | undefined),
          windowDays: windowOption(o.windowDays as string | undefined),
          how: thresholds ? { method: 'thresholds', thresholds } : { method: 'quintiles' },
          timeZone: loadConfig().timeZone,
        });
      } catch (e) {
        if (e instanceof RfmFileError) throw new CliError(`${o.from as string}: ${e.message}`, 1);
        throw e;
      }
      if (o.out) {
        const cols = ['customer', 'recency_days', 'frequency', 'monetary_fen', 'r', 'f', 'm', 'value_class', 'segment', 'current_value_fen', 'potential_value_fen', 'value_quadrant'] as const;
        const csvCell = (v: string | number) => (typeof v === 'string' && /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
        const lines = result.rows.map((r) =>
          [r.customerId, r.recencyDays, r.frequency, r.monetaryFen, r.r, r.f, r.m, r.valueClass, r.segment, r.currentValueFen, r.potentialValueFen, r.valueQuadrant].map(csvCell).join(','),
        );
        fs.writeFileSync(o.out as string, `${cols.join(',')}\n${lines.join('\n')}\n`);
      }
      const s = summarizeRows(result.rows);
      print(
        !!o.json,
        { asOf: result.asOf, windowDays: result.windowDays, method: thresholds ? 'thresholds' : 'quintiles', rowsRead: result.rowsRead, rowsUsed: result.rowsUsed, skipped: result.skipped, customers: result.rows.length, ...s, rows: result.rows },
        [
          `RFM as of ${result.asOf}${result.windowDays ? `, last ${result.windowDays} days` : ''}: ${result.rows.length.toLocaleString('en')} customers from ${result.rowsUsed.toLocaleString('en')} of ${result.rowsRead.toLocaleString('en')} rows (${result.skipped.rule} skipped by rule, ${result.skipped.guest} without a customer)`,
          countsText('Value classes', s.classes),
          countsText('RFM segments', s.segments),
          countsText('Value matrix', s.quadrants),
          'R×F grid (customers)',
          gridText(s.grid),
          ...(o.out ? [`Scores written to ${o.out as string}`] : []),
        ].join('\n'),
      );
    });

  segments
    .command('rfm')
    .description('Score every customer by RFM on the database (replaces the previous scores) and print the classes, segments and grid')
    .option('--as-of <date>', 'as-of business date (default today)')
    .option('--window-days <n>', 'only the last n days up to as-of (default all history)')
    .option('--thresholds <json>', 'fixed thresholds instead of quintiles (JSON or a JSON file)')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; windowDays?: string; thresholds?: string; json?: boolean }) => {
      const thresholds = thresholdsOption(o.thresholds);
      const body = {
        ...(o.asOf ? { asOf: dateOption(o.asOf) } : {}),
        ...(o.windowDays ? { windowDays: windowOption(o.windowDays) } : {}),
        ...(thresholds ? { method: 'thresholds' as const, thresholds } : {}),
      };
      type Summary = Awaited<ReturnType<RfmService['summary']>>;
      type Grid = Awaited<ReturnType<RfmService['grid']>>;
      type Matrix = Awaited<ReturnType<RfmService['valueMatrix']>>;
      const out = await withBackend(async (b): Promise<{ summary: Summary; grid: Grid; valueMatrix: Matrix }> => {
        if (b.mode === 'remote') {
          await b.api.call('POST', '/api/v1/segments/rfm/runs', body);
          return {
            summary: await b.api.call<Summary>('GET', '/api/v1/segments/rfm/summary'),
            grid: await b.api.call<Grid>('GET', '/api/v1/segments/rfm/grid'),
            valueMatrix: await b.api.call<Matrix>('GET', '/api/v1/segments/value-matrix'),
          };
        }
        await b.kemai.segments.rfm.run(body, 'local-cli');
        return { summary: await b.kemai.segments.rfm.summary(), grid: await b.kemai.segments.rfm.grid(), valueMatrix: await b.kemai.segments.rfm.valueMatrix() };
      });
      const { run } = out.summary;
      print(
        !!o.json,
        { run, classes: out.summary.classes, segments: out.summary.segments, grid: out.grid.cells, valueMatrix: out.valueMatrix },
        [
          `RFM as of ${run.asOf}${run.windowDays ? `, last ${run.windowDays} days` : ''} (${run.method}): ${run.customers.toLocaleString('en')} customers in ${run.seconds?.toFixed(1)} s`,
          countsText('Value classes', out.summary.classes),
          countsText('RFM segments', out.summary.segments),
          countsText('Value matrix', out.valueMatrix.quadrants.map((q) => ({ key: q.key, customers: q.customers, monetaryFen: q.currentValueFen }))),
          'R×F grid (customers)',
          gridText(out.grid.cells),
        ].join('\n'),
      );
    });

  segments
    .command('export <code>')
    .description("A segment's members with their latest RFM scores as CSV (customer ids and figures, no personal data)")
    .option('--out <file.csv>', 'write to a file instead of standard output')
    .action(async (code: string, o: { out?: string }) => {
      const csv = await withBackend(async (b) => {
        if (b.mode === 'direct') return b.kemai.segments.reports.exportCsv(code);
        return b.api.text(`/api/v1/segments/${encodeURIComponent(code)}/export.csv`);
      });
      if (o.out) {
        fs.writeFileSync(o.out, csv);
        console.error(`${csv.split('\n').length - 2} customers written to ${o.out}`);
      } else process.stdout.write(csv);
    });

  return segments;
}
