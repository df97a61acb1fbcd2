import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import type { CustomerExport } from '../modules/customers/index.js';
import { withBackend } from './context.js';

/** How the audit log names a direct (no server) CLI caller. */
const actor = () => `cli:${os.userInfo().username || 'operator'}`;

/** `kemai customers export`: a data subject access export (the same document as GET /api/v1/customers/:id/export). */
export function registerCustomersCommands(program: Command): void {
  const customers = program.command('customers').description('Customer profiles: data subject access export');

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
}
