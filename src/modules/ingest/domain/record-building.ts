import type { FieldIssue } from '../../../platform/errors.js';
import type { RowIssue } from './row-mapping.js';

/** A mapped row waiting to become (part of) a record. */
export interface MappedRow {
  line: number;
  values: Record<string, unknown>;
  /** Type errors found while mapping: the record this row belongs to is not imported. */
  issues?: RowIssue[];
}

/** Flat target paths → nested object: {'customer.phone': x} → {customer: {phone: x}}. */
export function nest(values: Record<string, unknown>, dropPrefix?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const isLine = path.startsWith('lines.');
    if (dropPrefix ? !isLine : isLine) continue;
    const parts = (dropPrefix ? path.slice(dropPrefix.length) : path).split('.');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) node = (node[parts[i]!] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** One record from the rows of one group: header fields from the first row, a line per row. */
export function buildGrouped(rows: MappedRow[]): Record<string, unknown> {
  const record = nest(rows[0]!.values);
  record.lines = rows.map((r) => nest(r.values, 'lines.'));
  return record;
}

export function groupKey(values: Record<string, unknown>, key: string[]): string | undefined {
  const parts = key.map((k) => values[k]);
  return parts.every((p) => typeof p === 'string' && p !== '') ? JSON.stringify(parts) : undefined;
}

export interface ReportedIssue {
  line: number;
  field: string;
  reason: string;
}

/**
 * Where a record's issues point in the file. `lines.3.quantity` is the fourth row of a grouped
 * record; other paths belong to its first row. Rows of a rejected record that were themselves
 * fine are listed too, so every row of the file is accounted for.
 */
export function locateIssues(
  rows: MappedRow[],
  issues: FieldIssue[],
  columnOf: (target: string) => string | undefined,
  grouped: boolean,
  what: string,
): ReportedIssue[] {
  const out: ReportedIssue[] = [];
  const hit = new Set<number>();
  for (const issue of issues) {
    const m = grouped ? /^lines\.(\d+)\.?(.*)$/.exec(issue.path) : null;
    const row = m ? rows[Number(m[1])] ?? rows[0]! : rows[0]!;
    const target = m ? `lines.${m[2] || ''}`.replace(/\.$/, '') : issue.path;
    const plain = target.replace(/\.\d+(\.|$)/g, '$1');
    out.push({ line: row.line, field: columnOf(plain) ?? plain, reason: `${target}: ${issue.message}` });
    hit.add(row.line);
  }
  if (grouped) {
    const first = out[0];
    for (const r of rows)
      if (!hit.has(r.line)) out.push({ line: r.line, field: '(order)', reason: `${what} not imported: line ${first?.line}: ${first?.reason}` });
  }
  return out;
}
