import type { Command } from 'commander';
import { listAudit, verifyAuditChain, type AuditFilters, type AuditRecord, type AuditVerification } from '../platform/audit.js';
import { parseInstant } from '../platform/clock.js';
import { CliError, withBackend } from './context.js';

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new CliError(`--${name}: a whole number from ${min} to ${max} (got ${value})`, 2);
  return n;
}

function instantOption(value: string | undefined, name: string, timeZone: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = parseInstant(value, timeZone);
  if (!d) throw new CliError(`--${name}: not a date (YYYY-MM-DD) or instant: ${value}`, 2);
  return d;
}

const line = (e: AuditRecord) => `#${e.seq}  ${e.at}  ${e.actor}  ${e.action}  ${e.targetType}:${e.targetId}  ${JSON.stringify(e.details)}`;

/** `kemai audit verify|list`: the tamper-evident audit log (src/platform/audit.ts). */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log of sensitive actions: check its hash chain, list entries');

  audit
    .command('verify')
    .description('Recompute the hash chain over every entry: exit 0 when intact, 1 naming the first bad seq and why (edited, deleted, inserted or reordered row)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const v = await withBackend(async (b) =>
        b.mode === 'direct' ? verifyAuditChain(b.kemai.database.db) : b.api.call<AuditVerification>('GET', '/api/v1/audit/verify'),
      );
      if (o.json) {
        console.log(JSON.stringify(v, null, 2));
        if (!v.ok) process.exitCode = 1;
        return;
      }
      if (!v.ok) throw new CliError(`audit chain broken at seq ${v.firstBadSeq}: ${v.reason} (${entries(v.rows)} before it intact)`, 1);
      console.log(`audit chain intact: ${entries(v.rows)}${v.headHash ? ` (head seq ${v.headSeq}, hash ${v.headHash})` : ''}`);
    });

  audit
    .command('list')
    .description('Entries newest first, filtered by action (exact, or a prefix like customers.*), actor, target and time')
    .option('--action <action>', 'e.g. loyalty.adjust, or customers.* for every customers action')
    .option('--actor <actor>', 'e.g. staff:<id>, key:<id>, system')
    .option('--target-type <type>', 'e.g. customer, staff, api_key, segment')
    .option('--target-id <id>', 'the target’s id')
    .option('--from <when>', 'entries at or after: a date (midnight in the business time zone) or an instant')
    .option('--to <when>', 'entries before')
    .option('--before <seq>', 'entries below this seq (the next page of a previous listing)')
    .option('--limit <n>', 'at most this many entries (1–200)', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { action?: string; actor?: string; targetType?: string; targetId?: string; from?: string; to?: string; before?: string; limit: string; json?: boolean }) => {
      const limit = intOption(o.limit, 'limit', 1, 200)!;
      const before = intOption(o.before, 'before', 1, Number.MAX_SAFE_INTEGER);
      const page = await withBackend(async (b) => {
        if (b.mode === 'direct') {
          const tz = b.kemai.config.timeZone;
          const f: AuditFilters = { action: o.action, actor: o.actor, targetType: o.targetType, targetId: o.targetId, from: instantOption(o.from, 'from', tz), to: instantOption(o.to, 'to', tz), before, limit };
          return listAudit(b.kemai.database.db, f);
        }
        const q = new URLSearchParams({ limit: String(limit) });
        for (const [k, v] of Object.entries({ action: o.action, actor: o.actor, targetType: o.targetType, targetId: o.targetId, from: o.from, to: o.to, before: o.before }))
          if (v !== undefined) q.set(k, v);
        return b.api.call<{ items: AuditRecord[]; nextBefore: number | null }>('GET', `/api/v1/audit?${q.toString()}`);
      });
      if (o.json) {
        console.log(JSON.stringify(page, null, 2));
        return;
      }
      if (!page.items.length) {
        console.log('no audit entries');
        return;
      }
      for (const e of page.items) console.log(line(e));
      if (page.nextBefore !== null) console.log(`… more: --before ${page.nextBefore}`);
    });
}
