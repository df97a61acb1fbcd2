import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { newId } from '../platform/ids.js';
import { formatMoney } from '../platform/money.js';
import { asOfOption, CliError, withBackend, type Backend } from './context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

/** A customer id, or a phone / email / member number that names exactly one active profile. */
async function resolveCustomer(b: Backend, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const items =
    b.mode === 'direct'
      ? (await b.kemai.customers.search({ q: ref, limit: 2 })).items
      : (await b.api.call<{ items: Array<{ id: string }> }>('GET', `/api/v1/customers?q=${encodeURIComponent(ref)}&limit=2`)).items;
  if (items.length === 0) throw new CliError(`No customer matches ${ref}`, 2);
  if (items.length > 1) throw new CliError(`${ref} matches more than one customer; give the customer id`, 2);
  return items[0]!.id;
}

interface MemberView {
  customerId: string;
  available: number;
  pending: number;
  held: number;
  lifetimeEarned: number;
  cashValue: string;
  expiringSoon: { days: number; points: number; firstAt: string | null };
}

/** `kemai loyalty balance|statement|adjust|expire` — the points ledger from the command line. */
export function registerLoyaltyCommands(program: Command): void {
  const loyalty = program.commands.find((c) => c.name() === 'loyalty') ?? program.command('loyalty').description('Loyalty: points, tiers, referrals, badges');

  loyalty
    .command('balance <customer>')
    .description("A member's points: available, pending, held, and what expires in the next 30 days (customer id, phone, email or member number)")
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const m = await withBackend(async (b) => {
        const id = await resolveCustomer(b, ref);
        if (b.mode === 'remote') return b.api.call<MemberView>('GET', `/api/v1/loyalty/members/${id}`);
        const r = await b.kemai.ledger.member(id, 30);
        return {
          customerId: r.customerId,
          available: r.available,
          pending: r.pending,
          held: r.held,
          lifetimeEarned: r.lifetimeEarned,
          cashValue: formatMoney(r.cashValueFen),
          expiringSoon: { days: r.expiringSoon.days, points: r.expiringSoon.points, firstAt: r.expiringSoon.firstAt?.toISOString() ?? null },
        } satisfies MemberView;
      });
      print(
        !!o.json,
        m,
        `${m.customerId}\n  available ${m.available} (¥${m.cashValue})  pending ${m.pending}  held ${m.held}  earned in all ${m.lifetimeEarned}\n` +
          `  expiring within ${m.expiringSoon.days} days: ${m.expiringSoon.points}${m.expiringSoon.firstAt ? ` (first at ${m.expiringSoon.firstAt})` : ''}`,
      );
    });

  loyalty
    .command('statement <customer>')
    .description("A member's ledger entries, newest first, with the balance after each")
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'entries per page (≤ 200)', '50')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { page: string; pageSize: string; json?: boolean }) => {
      const page = Number(o.page);
      const pageSize = Number(o.pageSize);
      if (!Number.isInteger(page) || page < 1) throw new CliError('--page: a whole number from 1', 2);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) throw new CliError('--page-size: a whole number from 1 to 200', 2);
      type Item = { occurredAt: string; kind: string; points: number; pendingPoints: number; balance: number; sourceType: string; reason: string | null };
      const s = await withBackend(async (b) => {
        const id = await resolveCustomer(b, ref);
        if (b.mode === 'remote') return b.api.call<{ total: number; items: Item[] }>('GET', `/api/v1/loyalty/members/${id}/statement?page=${page}&pageSize=${pageSize}`);
        const r = await b.kemai.ledger.statement(id, { page, pageSize });
        return { total: r.total, items: r.items.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() })) };
      });
      print(
        !!o.json,
        s,
        [
          `${s.total} entries (page ${page})`,
          ...s.items.map(
            (e) =>
              `${e.occurredAt}  ${e.kind.padEnd(8)} ${String(e.points).padStart(8)} ${e.pendingPoints ? `(pending ${e.pendingPoints})` : ''}`.padEnd(60) +
              ` balance ${e.balance}  ${e.sourceType}${e.reason ? `: ${e.reason}` : ''}`,
          ),
        ].join('\n'),
      );
    });

  loyalty
    .command('adjust <customer> <points>')
    .description('Staff adjustment: + credits, − debits (never beyond the available balance)')
    .requiredOption('--reason <text>', 'why (kept on the entry)')
    .option('--key <idempotencyKey>', 'idempotency key (default: a new one, so each run adjusts)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, pointsText: string, o: { reason: string; key?: string; json?: boolean }) => {
      const points = Number(pointsText);
      if (!Number.isSafeInteger(points) || points === 0) throw new CliError('points: a whole number other than 0, e.g. 100 or -50', 2);
      if (!o.reason.trim()) throw new CliError('--reason: required', 2);
      const idempotencyKey = o.key ?? `cli:${newId()}`;
      const r = await withBackend(async (b) => {
        const id = await resolveCustomer(b, ref);
        if (b.mode === 'remote')
          return b.api.call<{ entryId: string; created: boolean; available: number }>('POST', `/api/v1/loyalty/members/${id}/adjustments`, {
            points,
            reason: o.reason,
            idempotencyKey,
          });
        const a = await b.kemai.ledger.adjust({ customerId: id, points, reason: o.reason.trim(), idempotencyKey, actor: 'cli' });
        return { entryId: a.entryId, created: a.created, available: a.account.available };
      });
      print(!!o.json, r, `${r.created ? 'Adjusted' : 'Already adjusted'} by ${points}: available now ${r.available} (entry ${r.entryId})`);
    });

  loyalty
    .command('expire')
    .description('Expire points whose expiry has passed (lots expire at midnight in the business time zone)')
    .option('--as-of <date>', 'expire as of this date (its midnight, business time zone) or instant; default now')
    .option('--dry-run', 'only count what would expire')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; dryRun?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const asOf = asOfOption(o.asOf, config.timeZone);
      const dryRun = !!o.dryRun;
      type Summary = { asOf: string; dryRun: boolean; members: number; lots: number; points: number; pendingPoints: number };
      const s = await withBackend(
        async (b): Promise<Summary> => {
          if (b.mode === 'remote') return b.api.call<Summary>('POST', '/api/v1/loyalty/expire', { asOf: asOf.toISOString(), dryRun });
          const r = await b.kemai.ledger.expire(asOf, { dryRun, actor: 'cli' });
          return { ...r, asOf: r.asOf.toISOString() };
        },
        { config },
      );
      print(
        !!o.json,
        s,
        `${s.dryRun ? 'Would expire' : 'Expired'} ${s.points} points${s.pendingPoints ? ` (+${s.pendingPoints} pending)` : ''} in ${s.lots} lots of ${s.members} members as of ${s.asOf}`,
      );
    });
}
