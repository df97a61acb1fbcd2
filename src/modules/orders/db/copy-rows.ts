import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../../../platform/db/database.js';

/**
 * The node-postgres client a drizzle transaction runs on, when there is one (PostgreSQL): COPY
 * must go through the same connection to be part of the transaction. PGlite has none.
 */
export function copyClient(tx: Db): pg.ClientBase | undefined {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  return client instanceof pg.Client ? client : undefined;
}

/** Text-format field: backslash escapes for the characters COPY treats as structure; null is \N. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** COPY rows into `table` on the transaction's connection: the cheapest way Postgres takes many rows. */
export async function copyRows(client: pg.ClientBase, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  let text = '';
  for (const row of rows) text += `${row.map(field).join('\t')}\n`;
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(text);
  });
}
