import os from 'node:os';
import type { Command } from 'commander';
import { formatWeeklyReport, type Assignment, type WeeklyReport } from '../modules/staff/index.js';
import { CliError, withBackend } from './context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const cliActor = () => `cli:${os.userInfo().username || 'operator'}`;

function uuidArg(value: string, name: string): string {
  if (!UUID.test(value)) throw new CliError(`${name}: not an id (uuid): ${value}`, 2);
  return value.toLowerCase();
}

/** `kemai staff backfill|assign`: customers assigned to guides (src/modules/staff). Adds to the accounts' `staff` command when it exists. */
export function registerStaffCommands(program: Command): void {
  const staff = program.commands.find((c) => c.name() === 'staff') ?? program.command('staff').description('Staff accounts and the customers assigned to guides');

  staff
    .command('backfill')
    .description('Assign every customer without a guide by their first order (its staff code, else the store’s least-loaded guide, else the store pool); a second run assigns 0')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const r = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.staff.backfill(cliActor()) : b.api.call<{ assigned: number }>('POST', '/api/v1/staff/assignments/backfill'),
      );
      console.log(o.json ? JSON.stringify(r) : `assigned ${r.assigned} ${r.assigned === 1 ? 'customer' : 'customers'}`);
    });

  staff
    .command('assign <customerId> <staffId>')
    .description('Assign a customer to a guide or store manager: closes the open assignment, opens a manual one (audited)')
    .option('--note <text>', 'why (kept in the customer’s assignment history)')
    .option('--json', 'machine-readable output')
    .action(async (customerArg: string, staffArg: string, o: { note?: string; json?: boolean }) => {
      const customerId = uuidArg(customerArg, 'customerId');
      const staffId = uuidArg(staffArg, 'staffId');
      const body = { staffId, ...(o.note ? { note: o.note } : {}) };
      const a = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.staff.assign(customerId, body, cliActor()) : b.api.call<Assignment>('POST', `/api/v1/customers/${customerId}/assignment`, body),
      );
      console.log(o.json ? JSON.stringify(a, null, 2) : `customer ${a.customerId} assigned to ${a.staffUsername ?? a.staffId} (store ${a.storeCode ?? '-'}) since ${a.startedAt}`);
    });

  staff
    .command('report')
    .description('The weekly KPI report: per store and guide with targets met, leaderboards (README: Staff and stores)')
    .requiredOption('--week <week>', 'ISO week, e.g. 2026-W47')
    .option('--store <code>', 'one store only')
    .option('--format <format>', 'md or json', 'md')
    .option('--json', 'same as --format json')
    .action(async (o: { week: string; store?: string; format: string; json?: boolean }) => {
      const format = o.json ? 'json' : o.format;
      if (format !== 'md' && format !== 'json') throw new CliError(`--format: md or json, not ${format}`, 2);
      if (!/^\d{4}-W\d{2}$/.test(o.week)) throw new CliError(`--week: an ISO week like 2026-W47, not ${o.week}`, 2);
      const q = o.store ? `?store=${encodeURIComponent(o.store)}` : '';
      const r = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.staff.kpis.weeklyReport(o.week, o.store ?? null) : b.api.call<WeeklyReport>('GET', `/api/v1/staff/reports/${o.week}${q}`),
      );
      process.stdout.write(format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : formatWeeklyReport(r));
    });
}
