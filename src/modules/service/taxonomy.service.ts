import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { invalid, type FieldIssue } from '../../platform/errors.js';
import { TaxonomyInput, TAXONOMY_KINDS } from './tickets.schemas.js';

export type TaxonomyKind = (typeof TAXONOMY_KINDS)[number];

export interface TaxonomyEntry {
  kind: TaxonomyKind;
  code: string;
  labels: { 'zh-CN': string; en: string };
  status: 'active' | 'archived';
  sort: number;
}

/** The seeds: ticket categories and root causes with their zh-CN and English labels. */
export const DEFAULT_CATEGORIES: ReadonlyArray<[string, string, string]> = [
  ['late_delivery', '配送延迟', 'Late delivery'],
  ['damaged_product', '商品破损', 'Damaged product'],
  ['quality_issue', '质量问题', 'Quality issue'],
  ['wrong_item', '发错商品', 'Wrong item'],
  ['service_attitude', '服务态度', 'Service attitude'],
  ['pricing', '价格问题', 'Pricing'],
  ['stock', '缺货', 'Stock'],
  ['membership_points', '会员与积分', 'Membership and points'],
  ['other', '其他', 'Other'],
];

export const DEFAULT_ROOT_CAUSES: ReadonlyArray<[string, string, string]> = [
  ['courier_delay', '快递延误', 'Courier delay'],
  ['warehouse_packing', '仓库包装', 'Warehouse packing'],
  ['supplier_quality', '供应商质量', 'Supplier quality'],
  ['store_staff', '门店员工', 'Store staff'],
  ['system_error', '系统错误', 'System error'],
  ['policy_gap', '政策缺口', 'Policy gap'],
  ['customer_misunderstanding', '顾客误解', 'Customer misunderstanding'],
  ['other', '其他', 'Other'],
];

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function toEntry(r: Row): TaxonomyEntry {
  return {
    kind: r.kind as TaxonomyKind,
    code: String(r.code),
    labels: json<TaxonomyEntry['labels']>(r.labels),
    status: r.status as TaxonomyEntry['status'],
    sort: Number(r.sort),
  };
}

/** Categories and root causes of tickets (service:admin edits them; everyone reads the labels). */
export class TaxonomyService {
  constructor(private readonly db: Db) {}

  async list(q: { kind?: TaxonomyKind | undefined; status?: 'active' | 'archived' | undefined } = {}): Promise<TaxonomyEntry[]> {
    const rows = await query<Row>(
      this.db,
      sql`select * from service.taxonomy where true
          ${q.kind ? sql`and kind = ${q.kind}` : sql``}
          ${q.status ? sql`and status = ${q.status}` : sql``}
          order by kind collate "C", sort, code collate "C"`,
    );
    return rows.map(toEntry);
  }

  /** Creates or replaces one entry. */
  async put(kind: TaxonomyKind, code: string, input: unknown): Promise<TaxonomyEntry> {
    if (!(TAXONOMY_KINDS as readonly string[]).includes(kind))
      throw invalid('service.invalid_taxonomy', `kind must be one of ${TAXONOMY_KINDS.join(', ')}`, [{ path: 'kind', message: 'unknown kind' }]);
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(code)) throw invalid('service.invalid_taxonomy', 'code: lower-case letters, digits, _ and -', [{ path: 'code', message: 'invalid code' }]);
    const r = TaxonomyInput.safeParse(input);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
      throw invalid('service.invalid_taxonomy', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    const [row] = await query<Row>(
      this.db,
      sql`insert into service.taxonomy (kind, code, labels, status, sort) values (${kind}, ${code}, ${JSON.stringify(r.data.labels)}::jsonb, ${r.data.status}, ${r.data.sort})
          on conflict (kind, code) do update set labels = excluded.labels, status = excluded.status, sort = excluded.sort returning *`,
    );
    return toEntry(row!);
  }

  /** The seeds, unless an entry of that code exists (an edited label stays as edited). */
  async ensureDefaults(db: Db = this.db): Promise<void> {
    const rows = [
      ...DEFAULT_CATEGORIES.map(([code, zh, en], i) => ({ kind: 'category', code, labels: { 'zh-CN': zh, en }, sort: (i + 1) * 10 })),
      ...DEFAULT_ROOT_CAUSES.map(([code, zh, en], i) => ({ kind: 'root_cause', code, labels: { 'zh-CN': zh, en }, sort: (i + 1) * 10 })),
    ];
    await db.execute(
      sql`insert into service.taxonomy (kind, code, labels, sort)
          select x.kind, x.code, x.labels, x.sort from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(kind text, code text, labels jsonb, sort int)
          on conflict (kind, code) do nothing`,
    );
  }

  /**
   * Checks codes against the active entries of a kind: issues name `path.<i>` (or `path` for one code) for unknown ones.
   */
  async check(tx: Db, kind: TaxonomyKind, codes: readonly string[], path: string, single = false): Promise<FieldIssue[]> {
    if (codes.length === 0) return [];
    const rows = await query<{ code: string }>(
      tx,
      sql`select code from service.taxonomy where kind = ${kind} and status = 'active' and code = any(${sql.param([...codes])}::text[])`,
    );
    const known = new Set(rows.map((r) => r.code));
    const issues: FieldIssue[] = [];
    codes.forEach((c, i) => {
      if (!known.has(c)) issues.push({ path: single ? path : `${path}.${i}`, message: `no active ${kind === 'category' ? 'category' : 'root cause'} ${c}` });
    });
    return issues;
  }
}
