import type { Command } from 'commander';
import type { CategoryCycle, CycleRun, CycleRunInput, RhythmChange, RhythmKind } from '../modules/insights/index.js';
import { CliError, withBackend } from './context.js';

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
const KINDS: readonly RhythmKind[] = ['slowing', 'stopped', 'speeding', 'stage_change'];
const days = (d: number | null) => (d === null ? '—' : `${Number(d.toFixed(1))} d`);

interface Categories {
  run: CycleRun;
  items: CategoryCycle[];
}
interface Changes {
  total: number;
  items: Array<RhythmChange & { customer?: { memberNo?: string | null } | null | undefined }>;
}

/** `kemai cycles run` and `kemai cycles changes`: repurchase cycles from the database's orders and the rhythm changes raised. */
export function registerCyclesCommands(program: Command): void {
  const cycles = program.command('cycles').description('Repurchase cycles per customer and category, and rhythm changes');

  cycles
    .command('run')
    .description("Compute every customer × category repurchase cycle from the database's orders and raise the new rhythm changes")
    .option('--as-of <date>', 'a business date (default: the day of the latest order)')
    .option('--level <level>', 'leaf (the whole category path, default) | top (its first level)')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; level?: string; json?: boolean }) => {
      if (o.asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(o.asOf) || Number.isNaN(Date.parse(`${o.asOf}T00:00:00Z`)) || new Date(`${o.asOf}T00:00:00Z`).toISOString().slice(0, 10) !== o.asOf))
        throw new CliError(`--as-of: not a date (YYYY-MM-DD): ${o.asOf}`, 2);
      if (o.level !== undefined && o.level !== 'leaf' && o.level !== 'top') throw new CliError('--level: leaf or top', 2);
      const body: CycleRunInput = { ...(o.asOf ? { asOf: o.asOf } : {}), ...(o.level ? { level: o.level as 'leaf' | 'top' } : {}) };
      const out = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const run = await b.api.call<CycleRun>('POST', '/api/v1/insights/repurchase-cycles/runs', body);
          return { run, categories: (await b.api.call<Categories>('GET', '/api/v1/insights/repurchase-cycles?limit=10')).items };
        }
        const run = await b.kemai.cycles.run(body, 'local-cli');
        return { run, categories: (await b.kemai.cycles.categories({ limit: 10 })).items };
      });
      const r = out.run;
      print(
        !!o.json,
        out,
        [
          `Repurchase cycles as of ${r.asOf} (${r.level} categories): ${r.cycles.toLocaleString('en')} customer × category with 2+ purchase days, ${r.established.toLocaleString('en')} with a cycle (3+); ${r.changesRaised.toLocaleString('en')} new rhythm changes; ${r.seconds?.toFixed(1)} s`,
          'category                          customers  median   p25     p75     overdue',
          ...out.categories.map(
            (c) => `${c.category.padEnd(30)} ${String(c.customers).padStart(9)}  ${days(c.medianDays).padEnd(7)} ${days(c.p25Days).padEnd(7)} ${days(c.p75Days).padEnd(7)} ${String(c.overdue).padStart(7)}`,
          ),
        ].join('\n'),
      );
    });

  cycles
    .command('changes')
    .description('Rhythm changes raised, the latest first (ids and member numbers, no personal data)')
    .option('--kind <kinds>', 'comma-separated: slowing, stopped, speeding, stage_change (default all)')
    .option('--category <path>', 'this category and those under it')
    .option('--limit <n>', 'how many (default 20, at most 500)')
    .option('--json', 'machine-readable output')
    .action(async (o: { kind?: string; category?: string; limit?: string; json?: boolean }) => {
      const kind = o.kind === undefined ? undefined : (o.kind.split(',').map((x) => x.trim()) as RhythmKind[]);
      const bad = kind?.find((k) => !KINDS.includes(k));
      if (bad !== undefined) throw new CliError(`--kind: ${bad} is not one of ${KINDS.join(', ')}`, 2);
      const limit = o.limit === undefined ? 20 : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError('--limit: a whole number from 1 to 500', 2);
      const found: Changes = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const qs = new URLSearchParams({ limit: String(limit), ...(kind ? { kind: kind.join(',') } : {}), ...(o.category ? { category: o.category } : {}) });
          return b.api.call<Changes>('GET', `/api/v1/insights/rhythm-changes?${qs}`);
        }
        return b.kemai.cycles.changes({ kind, category: o.category, limit });
      });
      // No personal data on the terminal: ids, member numbers and figures.
      const list = { ...found, items: found.items.map(({ customer, ...item }) => ({ ...item, memberNo: customer?.memberNo ?? null })) };
      print(
        !!o.json,
        list,
        [
          `${list.total.toLocaleString('en')} rhythm changes${kind ? ` (${kind.join(', ')})` : ''}; the latest ${list.items.length}:`,
          'customer                              member no      kind          category                       median  gap     since',
          ...list.items.map(
            (i) =>
              `${i.customerId}  ${String(i.memberNo ?? '').padEnd(13)} ${i.kind.padEnd(13)} ${(i.kind === 'stage_change' ? `${i.fromCategory} → ${i.toCategory}` : i.category).padEnd(30)} ${days(i.medianDays).padEnd(7)} ${days(i.latestGapDays).padEnd(7)} ${i.daysSinceLast} d`,
          ),
        ].join('\n'),
      );
    });
}
