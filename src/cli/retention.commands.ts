import os from 'node:os';
import type { Command } from 'commander';
import type { RetentionResult, RetentionStatus } from '../modules/activity/index.js';
import { localDate } from '../platform/clock.js';
import { loadConfig } from '../platform/config.js';
import { CliError, withBackend } from './context.js';

const actor = () => `cli:${os.userInfo().username || 'operator'}`;
const fmt = (n: number) => n.toLocaleString('en-US');
const eventsWord = (n: number) => `${fmt(n)} ${n === 1 ? 'event' : 'events'}`;

function monthsOption(value: string | undefined, configured: number): number {
  if (value === undefined) {
    if (configured <= 0) throw new CliError('the events retention policy is off (KEMAI_RETENTION_EVENTS_MONTHS=0): give --months N to run it once', 2);
    return configured;
  }
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1200) throw new CliError(`--months: a whole number of months from 1 to 1200 (got ${value})`, 2);
  return n;
}

/** `kemai retention run|status`: the behaviour-events retention policy (src/modules/activity/retention.ts). */
export function registerRetentionCommands(program: Command): void {
  const retention = program
    .command('retention')
    .description('Data retention: behaviour events older than N months are rolled up into monthly counts and deleted');

  retention
    .command('run')
    .description('Roll up and delete the events older than the start of the month N months back (the business time zone), 10,000 per transaction')
    .option('--months <n>', 'months to keep (default KEMAI_RETENTION_EVENTS_MONTHS, 24 unless set)')
    .option('--dry-run', 'count what would be rolled up, per month, and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (o: { months?: string; dryRun?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const months = monthsOption(o.months, config.retentionEventsMonths);
      const dryRun = o.dryRun ?? false;
      const r = await withBackend(
        async (b) =>
          b.mode === 'direct'
            ? b.kemai.activity.applyRetention({ months, dryRun, actor: actor() })
            : b.api.call<RetentionResult>('POST', '/api/v1/activity/retention/run', { months, dryRun }),
        { config },
      );
      if (o.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      const before = localDate(new Date(r.cutoff), config.timeZone);
      if (r.events === 0) {
        console.log(`no events before ${before} (${months} months kept): nothing to roll up`);
        return;
      }
      console.log(
        r.dryRun
          ? `would roll up and delete ${eventsWord(r.events)} before ${before} (${months} months kept); nothing changed:`
          : `rolled up and deleted ${eventsWord(r.events)} before ${before} (${months} months kept) in ${r.batches} ${r.batches === 1 ? 'transaction' : 'transactions'}:`,
      );
      for (const m of r.byMonth) console.log(`  ${m.month}  ${fmt(m.events)}`);
    });

  retention
    .command('status')
    .description('The policy, the oldest kept event, how many events the next run would roll up, and what the rollup holds')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const config = loadConfig();
      const s = await withBackend(
        async (b) => (b.mode === 'direct' ? b.kemai.activity.retentionStatus() : b.api.call<RetentionStatus>('GET', '/api/v1/activity/retention')),
        { config },
      );
      if (o.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      const tz = config.timeZone;
      console.log(s.months > 0 ? `policy: events kept ${s.months} months (before ${localDate(new Date(s.cutoff!), tz)} rolled up nightly)` : 'policy: off (events kept forever)');
      console.log(`oldest kept event: ${s.oldestEventAt ? localDate(new Date(s.oldestEventAt), tz) : 'none'}; due for the next run: ${eventsWord(s.dueEvents)}`);
      console.log(s.rollup.events > 0 ? `rolled up: ${eventsWord(s.rollup.events)} in ${s.rollup.firstMonth} … ${s.rollup.lastMonth}` : 'rolled up: nothing yet');
    });
}
