import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/errors.js';
import { isUuid } from './domain/identifiers.js';

/** The document format of a data subject access export; bumped when a section changes shape incompatibly. */
export const EXPORT_FORMAT = 'kemai-dsr-export/1';

/**
 * Modules holding records about a customer register here, so a data subject access request exports everything about
 * the person. `collect` reads one live profile's records (never masked: this is the person's own data) and returns an
 * object of named parts, each an array of rows (counted in the audit entry) or a single value (`balance`).
 */
export interface ExportParticipant {
  name: string;
  collect(db: Db, customerId: string): Promise<Record<string, unknown>>;
}

export interface CustomerExport {
  format: typeof EXPORT_FORMAT;
  generatedAt: string;
  customerId: string;
  sections: Record<string, Record<string, unknown>>;
}

/**
 * The rows of a select as JSON objects (column names as in the database, timestamps as ISO text), in the select's
 * order. The statement must select from one row source; `to_jsonb` keeps every column.
 */
export async function exportRows(db: Db, select: SQL): Promise<unknown[]> {
  const r = await queryOne<{ rows: unknown[] }>(
    db,
    sql`select coalesce(jsonb_agg(to_jsonb(x) order by x.__n), '[]'::jsonb) as rows
        from (select s.*, row_number() over () as __n from (${select}) s) x`,
  );
  return (r?.rows ?? []).map((row) => {
    const { __n: _, ...rest } = row as Record<string, unknown>;
    return rest;
  });
}

/** The customers module's own section: profile, identifiers, consent history, merges, timeline items. */
export const customersExportParticipant: ExportParticipant = {
  name: 'customers',
  async collect(db, id) {
    const [profile] = await exportRows(db, sql`select * from customers.customers where id = ${id}`);
    return {
      profile: profile ?? null,
      identifiers: await exportRows(
        db,
        sql`select type, value, is_primary, source, created_at, last_seen_at from customers.identifiers
            where customer_id = ${id} order by type collate "C", value collate "C"`,
      ),
      consents: await exportRows(
        db,
        sql`select id, channel, purpose, status, source, recorded_at from customers.consents
            where customer_id = ${id} order by recorded_at, id`,
      ),
      merges: await exportRows(
        db,
        sql`select id, survivor_id, absorbed_id, link_type, link_value, actor, reason, absorbed_snapshot, survivor_snapshot,
                   merged_at, undone_at, undone_by
            from customers.merges where survivor_id = ${id} or absorbed_id = ${id} order by merged_at, id`,
      ),
      timeline: await exportRows(
        db,
        sql`select id, occurred_at, kind, ref_id, summary from customers.timeline_items
            where customer_id = ${id} order by occurred_at, id`,
      ),
    };
  },
};

/** How many rows each part of a section holds: arrays count their rows, a single value 1, null 0. */
function counts(section: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(section)) out[k] = Array.isArray(v) ? v.length : v === null || v === undefined ? 0 : 1;
  return out;
}

export class ExportRegistry {
  private readonly participants: ExportParticipant[] = [customersExportParticipant];

  register(p: ExportParticipant): void {
    if (this.participants.some((x) => x.name === p.name)) throw new Error(`export participant ${p.name} is registered twice`);
    this.participants.push(p);
  }

  names(): string[] {
    return this.participants.map((p) => p.name);
  }

  /**
   * Everything about one customer, read in one transaction, with a `privacy.export` audit entry (section and part
   * names with row counts, never values). A merged-away id answers 404 naming the profile it was merged into: the
   * person's records live there now, and that is the id to export.
   */
  async export(db: Db, id: string, actor: string): Promise<CustomerExport> {
    return db.transaction(async (tx) => {
      const [c] = isUuid(id)
        ? await query<{ status: string; merged_into: string | null }>(tx, sql`select status, merged_into from customers.customers where id = ${id}`)
        : [];
      if (!c) throw notFound('customers.not_found', `No customer with id ${id}`);
      if (c.status === 'merged') {
        throw new AppError('not_found', 'customers.merged', `Customer ${id} was merged into ${c.merged_into}; export ${c.merged_into}`, {
          mergedInto: c.merged_into,
        });
      }
      const sections: Record<string, Record<string, unknown>> = {};
      for (const p of this.participants) sections[p.name] = await p.collect(tx, id);
      const rowCounts: Record<string, Record<string, number>> = {};
      for (const [name, section] of Object.entries(sections)) rowCounts[name] = counts(section);
      await appendAudit(tx, { actor, action: 'privacy.export', targetType: 'customer', targetId: id, details: { sections: rowCounts } });
      return { format: EXPORT_FORMAT, generatedAt: new Date().toISOString(), customerId: id, sections };
    });
  }
}
