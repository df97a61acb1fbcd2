import type { Command } from 'commander';
import { loadConfig, type Config } from '../platform/config.js';
import { localDate, parseInstant } from '../platform/clock.js';
import { formatMoney } from '../platform/money.js';
import type { Journey, JourneyStats, JourneyVersion, RunSummary } from '../modules/journeys/index.js';
import { CliError, withBackend } from './context.js';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const pts = (v: number | null) => (v === null ? '—' : `${v < 0 ? '−' : '+'}${Math.abs(v * 100).toFixed(1)} pts`);
const yuan = (fen: number | null) => (fen === null ? '—' : `${fen < 0 ? '−' : ''}¥${formatMoney(Math.round(Math.abs(fen)))}`);
const enc = encodeURIComponent;

/** The stats as `kemai journeys stats` prints them. */
export function statsLines(s: JourneyStats): string[] {
  const u = s.uplift;
  const range = (lo: number | null, hi: number | null, f: (x: number | null) => string) => (lo === null || hi === null ? 'no interval' : `95 % CI ${f(lo)} … ${f(hi)}`);
  const out = [
    `${s.code}: entered ${s.entered} (treated ${s.treated}, holdout ${s.holdout})`,
    `  status            ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`,
    'Steps:',
    ...s.steps.map((x) => `  ${x.id.padEnd(16)} ${x.type.padEnd(7)} now ${String(x.now).padStart(6)}  ran ${String(x.ran).padStart(7)}  ${Object.entries(x.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`),
    `Messages: ${Object.entries(s.messages).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    'Goal (treated vs holdout):',
    `  conversion        ${pct(u.treated.conversionRate)} vs ${pct(u.holdout.conversionRate)}: ${pts(u.conversion.difference)} (${range(u.conversion.low, u.conversion.high, pts)})`,
    `  revenue/customer  ${yuan(u.treated.revenuePerCustomerFen)} vs ${yuan(u.holdout.revenuePerCustomerFen)}: ${yuan(u.revenuePerCustomer.differenceFen)} (${range(u.revenuePerCustomer.lowFen, u.revenuePerCustomer.highFen, yuan)})`,
    `  incremental       ${u.incrementalConversions.toFixed(1)} conversions, ${yuan(u.incrementalRevenueFen)} revenue`,
  ];
  return out;
}

/** `kemai journeys list|show|publish|pause|stats|run`. */
export function registerJourneysCommands(program: Command) {
  const journeys = program.command('journeys').description('Lifecycle journeys: list, show, publish, pause, stats against the holdout, run due steps');

  journeys
    .command('list')
    .description('Journeys in code order with their status and counts')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const items = await withBackend(async (b) => (b.mode === 'direct' ? b.kemai.journeys.list() : (await b.api.call<{ items: Journey[] }>('GET', '/api/v1/journeys')).items));
      if (o.json) return console.log(JSON.stringify({ items }, null, 2));
      if (items.length === 0) return console.log('No journeys yet.');
      const width = Math.max(...items.map((j) => j.code.length));
      for (const j of items)
        console.log(
          `${j.code.padEnd(width)}  ${j.status.padEnd(8)}  v${j.currentVersion}${j.latestVersion > j.currentVersion ? ` (v${j.latestVersion} draft)` : ''}  entered ${j.counts.entered}, active ${j.counts.active}, converted ${j.counts.converted}  ${j.name}`,
        );
    });

  journeys
    .command('show <code>')
    .description('A journey and its versions')
    .option('--json', 'machine-readable output')
    .action(async (code: string, o: { json?: boolean }) => {
      const config = loadConfig();
      const j = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.journeys.get(code) : b.api.call<Journey & { versions: JourneyVersion[] }>('GET', `/api/v1/journeys/${enc(code)}`),
        { config },
      );
      if (o.json) return console.log(JSON.stringify(j, null, 2));
      console.log(`${j.code} — ${j.name} (${j.kind}, ${j.status}, version ${j.currentVersion}, holdout ${j.holdoutPercent} %, re-entry ${j.reentry}${j.reentryDays ? ` ${j.reentryDays} d` : ''})`);
      const current = j.versions.find((v) => v.version === j.currentVersion) ?? j.versions[0];
      if (current) {
        const t = current.definition.trigger;
        console.log(`Trigger: ${t.type === 'event' ? t.event : t.type === 'date' ? `${t.date} ${t.offsetDays >= 0 ? '+' : ''}${t.offsetDays} d at ${t.at}` : t.type === 'inactivity' ? `${t.days} days without purchase` : `${t.every} from ${t.startAt}`}`);
        for (const s of current.definition.steps) {
          const next = s.type === 'branch' ? s.branches.map((b, i) => `${i}→${b.next ?? 'end'}`).concat(`else→${s.else ?? 'end'}`).join(' ') : s.type === 'exit' ? '' : `→ ${s.next ?? 'end'}`;
          console.log(`  ${s.id.padEnd(16)} ${s.type.padEnd(7)} ${'template' in s ? s.template : ''} ${next}`.trimEnd());
        }
      }
      console.log('Versions:');
      for (const v of j.versions) console.log(`  v${v.version}  ${v.publishedAt ? `published ${localDate(new Date(v.publishedAt), config.timeZone)}` : 'draft'}  by ${v.createdBy}${v.note ? `  ${v.note}` : ''}`);
    });

  journeys
    .command('publish <code>')
    .description('Publish the newest version (the journey becomes active)')
    .option('--migrate', 'move waiting enrollments of older versions whose step exists in the new one')
    .action(async (code: string, o: { migrate?: boolean }) => {
      const j = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.journeys.publish(code, { migrate: !!o.migrate })
          : b.api.call<Journey & { migrated: number }>('POST', `/api/v1/journeys/${enc(code)}/publish`, { migrate: !!o.migrate }),
      );
      console.log(`${j.code}: active at version ${j.currentVersion}${o.migrate ? `, ${j.migrated} enrollments moved` : ''}`);
    });

  journeys
    .command('pause <code>')
    .description('Pause a journey: no entries, no steps until resumed')
    .action(async (code: string) => {
      const j = await withBackend(async (b) => (b.mode === 'direct' ? b.kemai.journeys.pause(code) : b.api.call<Journey>('POST', `/api/v1/journeys/${enc(code)}/pause`)));
      console.log(`${j.code}: ${j.status}`);
    });

  journeys
    .command('stats <code>')
    .description('Entered, per step, messages, conversion and revenue per customer treated vs holdout with 95 % intervals')
    .option('--json', 'machine-readable output')
    .action(async (code: string, o: { json?: boolean }) => {
      const s = await withBackend(async (b) => (b.mode === 'direct' ? b.kemai.journeys.stats(code) : b.api.call<JourneyStats>('GET', `/api/v1/journeys/${enc(code)}/stats`)));
      console.log(o.json ? JSON.stringify(s, null, 2) : statsLines(s).join('\n'));
    });

  journeys
    .command('run')
    .description('Scan the date, inactivity and schedule triggers, then run the due steps once (what the jobs do)')
    .option('--at <instant>', 'as if now were this instant (ISO, or a local date-time in the business time zone)')
    .option('--json', 'machine-readable output')
    .action(async (o: { at?: string; json?: boolean }) => {
      const config: Config = loadConfig();
      const at = o.at === undefined ? new Date() : parseInstant(o.at, config.timeZone);
      if (!at) throw new CliError(`--at: not an instant: ${o.at}`, 2);
      const out = await withBackend(
        async (b) => {
          if (b.mode !== 'direct') throw new CliError('kemai journeys run needs the database itself: stop the server (its jobs run journeys every minute) or use PostgreSQL');
          const scan = await b.kemai.journeys.scanTriggers(at);
          // Entry events queued by the scan's journeys' own steps are delivered before the run.
          await b.kemai.events.drain();
          const run: RunSummary = await b.kemai.journeys.runDue(at);
          return { at: at.toISOString(), scan, run };
        },
        { config, remoteOk: false },
      );
      if (o.json) return console.log(JSON.stringify(out, null, 2));
      console.log(`${out.at}: ${out.scan.entered} entered from ${out.scan.journeys} scanned journeys; ${out.run.steps} steps ran (${Object.entries(out.run.byType).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), ${out.run.heldOutCompleted} held-out passes closed`);
    });
}
