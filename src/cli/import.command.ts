import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../platform/config.js';
import {
  DbRunStore,
  directWriter,
  IMPORT_KINDS,
  IMPORT_PRESETS,
  ImportError,
  IngestService,
  MappingSpec,
  MemoryRunStore,
  remoteWriter,
  type ImportKind,
  type ImportProgress,
  type ImportSummary,
} from '../modules/ingest/index.js';
import { CliError, withBackend } from './context.js';

interface ImportFlags {
  format?: string;
  delimiter?: string;
  encoding?: string;
  map: string[];
  const: string[];
  mapping?: string;
  preset?: string;
  errors?: string;
  chunk?: string;
  pauseMs?: string;
  restart?: boolean;
  json?: boolean;
}

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerImportCommand(program: Command) {
  program
    .command('import <kind> <file>')
    .description(`Import a CSV or NDJSON file (.gz too): ${IMPORT_KINDS.join(', ')}. Running the same command again resumes it.`)
    .option('--format <format>', 'csv | ndjson (default from the file name)')
    .option('--delimiter <char>', 'CSV delimiter (default ,)')
    .option('--encoding <encoding>', 'text encoding: utf8 (default), gbk, gb18030, big5, …')
    .option('--map <field=column>', 'take a field from a column, e.g. --map externalId=InvoiceNo --map lines.sku=StockCode (repeatable)', collect, [])
    .option('--const <field=value>', 'give a field a constant value, e.g. --const channel=pos (repeatable)', collect, [])
    .option('--mapping <file.json>', 'a mapping file: {"fields": {"placedAt": {"column": "Date", "format": "DD/MM/YYYY HH:mm"}, …}}')
    .option('--preset <name>', `a known file's mapping: ${Object.keys(IMPORT_PRESETS).join(', ')}`)
    .option('--errors <file.csv>', 'where to write the error report (default: next to the file)')
    .option('--pause-ms <ms>', 'pause after each committed chunk, so a busy database stays responsive (default 0)')
    .option('--chunk <rows>', 'rows per committed chunk (default 20000 for orders, 5000 for other kinds)')
    .option('--restart', 'forget an earlier run of this import (finished or not) and read the file again')
    .option('--json', 'print a machine-readable summary instead of the progress bar and text')
    .addHelpText(
      'after',
      `\nPresets:\n${Object.entries(IMPORT_PRESETS)
        .map(([name, p]) => `  ${name} (${p.kind}): ${p.description}`)
        .join('\n')}`,
    )
    .action(async (kind: string, file: string, o: ImportFlags) => {
      if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new CliError(`unknown kind "${kind}": use one of ${IMPORT_KINDS.join(', ')}`, 2);
      if (o.format && o.format !== 'csv' && o.format !== 'ndjson') throw new CliError(`--format must be csv or ndjson, not "${o.format}"`, 2);
      const mapping = buildMapping(kind as ImportKind, o);
      const config = loadConfig();
      const bar = !o.json && process.stderr.isTTY ? progressBar() : undefined;
      const { summary, errorsFile } = await withBackend(
        async (b) => {
          const service =
            b.mode === 'direct'
              ? new IngestService(new DbRunStore(b.kemai.database.db), directWriter(b.kemai), { timeZone: config.timeZone })
              : new IngestService(new MemoryRunStore(), remoteWriter(b.api), { timeZone: config.timeZone });
          if (b.mode === 'remote' && !o.json)
            console.error(`kemai: the server at ${b.api.baseUrl} holds the embedded database; importing through its API (an interrupted import restarts from the top; replays change nothing).`);
          let summary: ImportSummary;
          try {
            summary = await service.importFile({
              kind: kind as ImportKind,
              file,
              format: o.format as 'csv' | 'ndjson' | undefined,
              delimiter: o.delimiter,
              encoding: o.encoding,
              mapping,
              chunkRows: o.chunk ? positive(o.chunk, '--chunk') : undefined,
              pauseMs: o.pauseMs ? positive(o.pauseMs, '--pause-ms') : undefined,
              restart: o.restart,
              onProgress: bar?.update,
            });
          } catch (e) {
            if (e instanceof ImportError) throw new CliError(e.message, 2);
            throw e;
          } finally {
            bar?.stop();
          }
          const errorsFile = summary.rows.failed > 0 || o.errors ? reportPath(file, o.errors) : undefined;
          if (errorsFile) await service.writeErrorReport(summary.runId, errorsFile);
          return { summary, errorsFile };
        },
        { config },
      );
      if (o.json) console.log(JSON.stringify({ ...summary, errorsFile: errorsFile ?? null }, null, 2));
      else console.log(describe(summary, errorsFile));
      if (summary.rows.failed > 0) process.exitCode = 1;
    });
}

function buildMapping(kind: ImportKind, o: ImportFlags): MappingSpec {
  const fields: MappingSpec['fields'] = {};
  let skip: MappingSpec['skip'] = [];
  let base: Partial<MappingSpec> = {};
  if (o.preset) {
    const preset = IMPORT_PRESETS[o.preset];
    if (!preset) throw new CliError(`unknown preset "${o.preset}": ${Object.keys(IMPORT_PRESETS).join(', ')}`, 2);
    if (preset.kind !== kind) throw new CliError(`preset ${o.preset} imports ${preset.kind}, not ${kind}`, 2);
    base = preset.mapping;
  }
  if (o.mapping) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(o.mapping, 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read the mapping file ${o.mapping}: ${(e as Error).message}`, 2);
    }
    const parsed = MappingSpec.safeParse(raw);
    if (!parsed.success)
      throw new CliError(`the mapping file ${o.mapping} is not valid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`, 2);
    base = { ...base, ...parsed.data, fields: { ...base.fields, ...parsed.data.fields }, skip: [...(base.skip ?? []), ...parsed.data.skip] };
  }
  Object.assign(fields, base.fields);
  skip = base.skip ?? [];
  for (const m of o.map) {
    const [field, column] = splitPair(m, '--map');
    fields[field] = column;
  }
  for (const c of o.const) {
    const [field, value] = splitPair(c, '--const');
    fields[field] = { const: value };
  }
  return { ...base, fields, skip };
}

function splitPair(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new CliError(`${flag} takes field=value, e.g. ${flag} externalId=InvoiceNo (got "${text}")`, 2);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive whole number`, 2);
  return n;
}

/** Next to the input when that folder is writable (data folders often are not), else here. */
function reportPath(input: string, explicit: string | undefined): string {
  if (explicit) return path.resolve(explicit);
  const name = `${path.basename(input).replace(/(\.gz)?$/i, '').replace(/\.(csv|ndjson|jsonl|txt)$/i, '')}.errors.csv`;
  const dir = path.dirname(path.resolve(input));
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    // root passes access() everywhere; a folder without write bits is still meant to be left alone.
    if ((fs.statSync(dir).mode & 0o222) === 0) return path.resolve(name);
    return path.join(dir, name);
  } catch {
    return path.resolve(name);
  }
}

function progressBar() {
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {percentage}% | {rows} rows | {speed} rows/s', stream: process.stderr, hideCursor: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let start = 0;
  let started = false;
  let phase = '';
  return {
    update(p: ImportProgress) {
      if (!started || p.phase !== phase) {
        if (started) bar.stop();
        bar.start(100, 0, { phase: p.phase === 'read' ? 'reading' : 'writing', rows: 0, speed: 0 });
        started = true;
        phase = p.phase;
        start = performance.now();
      }
      const speed = Math.round(p.rows / Math.max(0.001, (performance.now() - start) / 1000));
      bar.update(Math.round(p.fraction * 100), { rows: p.rows.toLocaleString('en'), speed: speed.toLocaleString('en') });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function describe(s: ImportSummary, errorsFile: string | undefined): string {
  const n = (x: number) => x.toLocaleString('en');
  const what = s.kind === 'orders' ? 'orders' : s.kind === 'returns' ? 'returns' : 'records';
  const lines = [
    s.alreadyCompleted
      ? `${s.file} was already imported as ${s.kind} (run ${s.runId}); nothing to do. Use --restart to import it again.`
      : `Imported ${s.kind} from ${s.file}${s.resumed ? ' (resumed where the last run stopped)' : ''}`,
    `  rows: ${n(s.rows.read)} read, ${n(s.rows.imported)} imported, ${n(s.rows.skipped)} skipped, ${n(s.rows.failed)} failed`,
    `  ${what}: ${n(s.records.created)} created, ${n(s.records.updated)} updated, ${n(s.records.unchanged)} unchanged`,
  ];
  if (s.rows.failed > 0) lines.push(`  ${n(s.rows.failed)} rows failed; the report (line, field, reason) is in ${errorsFile}`);
  if (!s.alreadyCompleted) lines.push(`  ${s.seconds.toFixed(1)} s, ${n(Math.round(s.rows.read / Math.max(0.001, s.seconds)))} rows/s`);
  return lines.join('\n');
}
