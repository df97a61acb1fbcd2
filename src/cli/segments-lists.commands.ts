import fs from 'node:fs';
import type { Command } from 'commander';
import type { RefreshResult, Segment } from '../modules/segments/index.js';
import { asOfOption, CliError, withBackend } from './context.js';

type SegmentJson = Omit<Segment, 'refreshedAt' | 'createdAt' | 'updatedAt'> & { refreshedAt: string | null; createdAt: string; updatedAt: string };

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
const asJson = (s: Segment): SegmentJson => ({
  ...s,
  refreshedAt: s.refreshedAt?.toISOString() ?? null,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});
const path = (code: string) => `/api/v1/segments/${encodeURIComponent(code)}`;
const refreshLine = (r: RefreshResult) => `  ${r.code.padEnd(32)} ${r.size.toLocaleString('en').padStart(10)}  +${r.entered.toLocaleString('en')} −${r.exited.toLocaleString('en')}`;

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, 2);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`${file}: not a JSON object {code, name, rule} (${(e as Error).message})`, 2);
  }
}

/**
 * `kemai segments list|count|show|create|refresh`: rule and static segments and their membership.
 * Added to the `segments` group (created here when the group does not exist yet).
 */
export function registerSegmentListsCommands(program: Command): Command {
  const segments =
    program.commands.find((c) => c.name() === 'segments') ?? program.command('segments').description('Segments: RFM, value matrix, rule segments, clusters, exports');

  segments
    .command('list')
    .description('Every segment with its kind, size and last refresh')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const items = await withBackend(async (b) =>
        b.mode === 'direct' ? (await b.kemai.segments.lists.list()).map(asJson) : (await b.api.call<{ items: SegmentJson[] }>('GET', '/api/v1/segments')).items,
      );
      print(
        !!o.json,
        { items },
        items.length === 0
          ? 'No segments yet. Create one with `kemai segments create --file rule.json`.'
          : items
              .map((s) => `${s.code.padEnd(32)} ${s.kind.padEnd(8)} ${s.size.toLocaleString('en').padStart(10)}  ${s.active ? '' : '(paused) '}${s.refreshedAt ?? 'never refreshed'}  ${s.name}`)
              .join('\n'),
      );
    });

  segments
    .command('show <code>')
    .description("A segment's definition, size and last refresh")
    .option('--json', 'machine-readable output')
    .action(async (code: string, o: { json?: boolean }) => {
      const s = await withBackend(async (b) => (b.mode === 'direct' ? asJson(await b.kemai.segments.lists.get(code)) : b.api.call<SegmentJson>('GET', path(code))));
      print(
        !!o.json,
        s,
        [
          `${s.code} — ${s.name} (${s.kind}${s.active ? '' : ', paused'})`,
          ...(s.description ? [s.description] : []),
          `size ${s.size.toLocaleString('en')}, refreshed ${s.refreshedAt ?? 'never'}, created by ${s.createdBy} at ${s.createdAt}`,
          JSON.stringify(s.definition, null, 2),
        ].join('\n'),
      );
    });

  segments
    .command('count <code>')
    .description("Live count of a segment's rule now (or as of an instant), next to its stored size")
    .option('--as-of <instant>', 'count as of this date or instant (business time zone)')
    .option('--json', 'machine-readable output')
    .action(async (code: string, o: { asOf?: string; json?: boolean }) => {
      const out = await withBackend(async (b) => {
        if (b.mode === 'remote')
          return b.api.call<{ code: string; count: number; stored: number }>('GET', `${path(code)}/count${o.asOf ? `?asOf=${encodeURIComponent(o.asOf)}` : ''}`);
        const asOf = o.asOf === undefined ? undefined : asOfOption(o.asOf, b.kemai.config.timeZone);
        const r = await b.kemai.segments.lists.count(code, asOf);
        return { code: r.segment.code, count: r.count, stored: r.stored };
      });
      print(!!o.json, out, `${out.code}: ${out.count.toLocaleString('en')} customers now (stored members: ${out.stored.toLocaleString('en')})`);
    });

  segments
    .command('create')
    .description('Create a rule segment from a JSON file {code, name, description?, rule}, or a static list from a file of ids or phones (--list)')
    .requiredOption('--file <file>', 'rule.json; with --list, a text file with one customer id or phone per line')
    .option('--list <id|phone>', 'the file is a static list of customer ids or phones')
    .option('--code <code>', 'segment code (static list; overrides the JSON file)')
    .option('--name <name>', 'segment name (static list; overrides the JSON file)')
    .option('--json', 'machine-readable output')
    .action(async (o: { file: string; list?: string; code?: string; name?: string; json?: boolean }) => {
      if (o.list !== undefined) {
        if (o.list !== 'id' && o.list !== 'phone') throw new CliError('--list: id or phone', 2);
        if (!o.code || !o.name) throw new CliError('--list needs --code and --name', 2);
        let content: string;
        try {
          content = fs.readFileSync(o.file, 'utf8');
        } catch (e) {
          throw new CliError(`${o.file}: ${(e as Error).message}`, 2);
        }
        const input = { code: o.code, name: o.name, of: o.list, content } as const;
        const out = await withBackend(async (b) => {
          if (b.mode === 'remote') return b.api.call<{ segment: SegmentJson; lines: number; matched: number; duplicates: number }>('POST', '/api/v1/segments/static', input);
          const r = await b.kemai.segments.lists.createStatic(input, 'local-cli');
          return { ...r, segment: asJson(r.segment) };
        });
        print(!!o.json, out, `${out.segment.code}: static list of ${out.matched.toLocaleString('en')} customers from ${out.lines.toLocaleString('en')} lines (${out.duplicates} duplicates)`);
        return;
      }
      const body = readJson(o.file);
      if (o.code) body.code = o.code;
      if (o.name) body.name = o.name;
      const out = await withBackend(async (b) => {
        if (b.mode === 'remote') return b.api.call<{ segment: SegmentJson; refresh: RefreshResult }>('POST', '/api/v1/segments', body);
        if (typeof body.code !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(body.code)) throw new CliError(`${o.file}: code: lower_snake_case, e.g. bought_dresses_30d`, 1);
        if (typeof body.name !== 'string' || !body.name.trim()) throw new CliError(`${o.file}: name is required`, 1);
        const r = await b.kemai.segments.lists.create(
          { code: body.code, name: body.name.trim(), description: typeof body.description === 'string' ? body.description : undefined, version: body.version, rule: body.rule, treatment: body.treatment },
          'local-cli',
        );
        return { segment: asJson(r.segment), refresh: r.refresh };
      });
      print(!!o.json, out, `${out.segment.code}: ${out.refresh.size.toLocaleString('en')} customers`);
    });

  segments
    .command('refresh [code]')
    .description('Recompute one segment, or every active one (as the nightly job does)')
    .option('--as-of <instant>', 'as of this date or instant (default now)')
    .option('--json', 'machine-readable output')
    .action(async (code: string | undefined, o: { asOf?: string; json?: boolean }) => {
      const items = await withBackend(async (b): Promise<RefreshResult[]> => {
        const body = o.asOf ? { asOf: o.asOf } : {};
        if (b.mode === 'remote')
          return code ? [await b.api.call<RefreshResult>('POST', `${path(code)}/refresh`, body)] : (await b.api.call<{ items: RefreshResult[] }>('POST', '/api/v1/segments/refresh', body)).items;
        const asOf = o.asOf === undefined ? undefined : asOfOption(o.asOf, b.kemai.config.timeZone);
        if (!code) return b.kemai.segments.membership.refreshAll({ asOf });
        const seg = await b.kemai.segments.lists.get(code);
        const r = await b.kemai.segments.membership.refresh(seg.id, { asOf });
        return r ? [r] : [];
      });
      print(!!o.json, { items }, items.length === 0 ? 'No segment to refresh.' : [`Refreshed ${items.length} segment(s): size, entered, exited`, ...items.map(refreshLine)].join('\n'));
    });

  return segments;
}
