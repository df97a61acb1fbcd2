import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import type { CustomerExport, ErasureResult } from '../modules/customers/index.js';
import { CliError, withBackend } from './context.js';

/** How the audit log names a direct (no server) CLI caller. */
const actor = () => `cli:${os.userInfo().username || 'operator'}`;

/**
 * `kemai customers export`: a data subject access export (the same document as GET /api/v1/customers/:id/export).
 * `kemai customers erase`: erasure of a customer's personal data (POST /api/v1/customers/:id/erase).
 */
export function registerCustomersCommands(program: Command): void {
  const customers = program.command('customers').description('Customer profiles: data subject access export and erasure');

  customers
    .command('export <id>')
    .description(
      'Everything about one customer, unmasked, as a JSON document (format kemai-dsr-export/1), to stdout or --out; writes a privacy.export audit entry. ' +
        'A merged-away id fails naming the profile it was merged into.',
    )
    .option('--out <file>', 'write the document to this file (mode 0600) instead of stdout')
    .action(async (id: string, o: { out?: string }) => {
      const doc = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.customers.exportCustomer(id, actor())
          : b.api.call<CustomerExport>('GET', `/api/v1/customers/${encodeURIComponent(id)}/export`),
      );
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      if (!o.out) {
        process.stdout.write(text);
        return;
      }
      fs.writeFileSync(o.out, text, { mode: 0o600 });
      const rows = Object.values(doc.sections).reduce((n, s) => n + Object.values(s).reduce<number>((m, v) => m + (Array.isArray(v) ? v.length : v === null ? 0 : 1), 0), 0);
      console.log(`customer ${doc.customerId}: ${Object.keys(doc.sections).length} sections, ${rows} records written to ${o.out}`);
    });

  customers
    .command('erase <id>')
    .description(
      "Erase one customer's personal data in every module, keeping orders, returns and points with their amounts " +
        '(see the customers README); writes a customers.erase audit entry. Cannot be undone: needs --yes.',
    )
    .requiredOption('--reason <text>', "why (the request's reference), 1 to 500 characters; kept on the profile's timeline")
    .option('--yes', 'confirm: the erasure cannot be undone')
    .action(async (id: string, o: { reason: string; yes?: boolean }) => {
      if (!o.yes) throw new CliError(`Erasing customer ${id} cannot be undone: run again with --yes to confirm`, 2);
      const reason = o.reason.trim();
      if (reason.length < 1 || reason.length > 500) throw new CliError('--reason: 1 to 500 characters', 2);
      const r = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.customers.erase(id, { reason, actor: actor() })
          : b.api.call<ErasureResult>('POST', `/api/v1/customers/${encodeURIComponent(id)}/erase`, { reason }),
      );
      console.log(`customer ${r.customerId} erased at ${r.erasedAt}`);
      for (const [section, parts] of Object.entries(r.scrubbed)) {
        const list = Object.entries(parts).map(([part, n]) => `${part} ${n}`);
        console.log(`  ${section}: ${list.join(', ')}`);
      }
    });
}
