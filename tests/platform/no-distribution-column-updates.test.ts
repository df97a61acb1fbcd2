import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLACEMENTS } from '../../src/platform/db/distribution.js';

/**
 * Citus cannot update a distributed table's distribution column (ADR 0014): every move of rows between customers on a
 * table distributed by customer_id (merges, unmerges, guest claims) goes through moveCustomerRows
 * (src/platform/db/move-rows.ts: delete + insert in one statement). This reads the source for
 * `update <distributed table> … set … customer_id =` and finds none. Key and local tables may update their customer_id.
 */
const distributed = new Set(Object.entries(PLACEMENTS).filter(([, p]) => p.kind === 'distributed').map(([t]) => t));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** `file: table` for every UPDATE statement of a distributed table whose SET clause assigns customer_id. */
function offenders(): string[] {
  const found: string[] = [];
  const update = /\bupdate\s+([a-z_]+\.[a-z_]+)\b(?:\s+(?:as\s+)?[a-z_]+)?\s+set\b([\s\S]*?)(?:\bwhere\b|\bfrom\b|\breturning\b|`)/gi;
  for (const file of sources('src')) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(update)) {
      const table = m[1]!.toLowerCase();
      if (distributed.has(table) && /(^|[\s,])customer_id\s*=/.test(m[2]!)) found.push(`${file}: ${table}`);
    }
  }
  return found.sort();
}

describe('no UPDATE of customer_id on a distributed table', () => {
  it('finds none in src (moves go through moveCustomerRows)', () => {
    expect(offenders()).toEqual([]);
  });

  it('would find one', () => {
    const probe = /\bupdate\s+([a-z_]+\.[a-z_]+)\b(?:\s+(?:as\s+)?[a-z_]+)?\s+set\b([\s\S]*?)(?:\bwhere\b|\bfrom\b|\breturning\b|`)/gi;
    const m = [...'sql`update loyalty.lots l set customer_id = ${to}, x = 1 where l.customer_id = ${from}`'.matchAll(probe)][0]!;
    expect([m[1], /(^|[\s,])customer_id\s*=/.test(m[2]!)]).toEqual(['loyalty.lots', true]);
    expect(distributed.has('loyalty.lots')).toBe(true);
    expect(distributed.has('orders.external_keys')).toBe(false);
  });
});
