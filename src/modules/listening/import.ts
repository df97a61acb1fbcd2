import { parse } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { invalid } from '../../platform/errors.js';
import { MentionInput, MENTION_SOURCES, type MentionSource } from './listening.schemas.js';

/** A problem of one line of an imported file: the line number (1-based, the header is line 1 in CSV) and the field. */
export interface LineIssue {
  line: number;
  path: string;
  message: string;
}

export type FileFormat = 'csv' | 'tsv' | 'ndjson' | 'json';

export interface ParseOptions {
  format?: FileFormat;
  /** Source for rows without a `source` column. */
  source?: MentionSource;
  /** Column renames: our field → the file's column, e.g. { text: 'content', postedAt: 'created_at' }. */
  mapping?: Record<string, string>;
  /** Time zone of times written without an offset (default Asia/Shanghai, +08:00). */
  offset?: string;
}

const ID_FIELDS = ['phone', 'email', 'memberNo', 'wechatOpenid', 'ecomUserId'] as const;
const FIELDS = ['source', 'externalId', 'url', 'author', 'authorId', 'text', 'postedAt', 'region', 'city', 'storeCode', 'sku', 'likes', 'comments', 'shares', 'views', ...ID_FIELDS] as const;
/** Column names monitoring exports commonly use, read as our fields when no mapping says otherwise. */
const ALIASES: Record<string, string[]> = {
  externalId: ['external_id', 'id', 'post_id', 'mid'],
  text: ['content', 'body', '内容', '正文'],
  postedAt: ['posted_at', 'time', 'created_at', 'date', '发布时间', '时间'],
  author: ['user', 'nickname', '作者', '昵称'],
  region: ['province', '省份', '地区'],
  city: ['城市'],
  storeCode: ['store_code', 'store', '门店'],
  sku: ['product', '商品'],
  likes: ['点赞'],
  comments: ['评论'],
  shares: ['reposts', '转发'],
};

/** A time as written in exports ("2026-11-24 20:15", "2026/11/24 20:15:00", epoch seconds) → ISO with an offset. */
export function normaliseTime(value: string, offset = '+08:00'): string {
  const v = value.trim();
  if (/^\d{10}$/.test(v)) return new Date(Number(v) * 1000).toISOString();
  if (/^\d{13}$/.test(v)) return new Date(Number(v)).toISOString();
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (m) {
    const p = (s: string | undefined, n = 2) => (s ?? '0').padStart(n, '0');
    return `${m[1]}-${p(m[2])}-${p(m[3])}T${p(m[4])}:${p(m[5])}:${p(m[6])}${offset}`;
  }
  if (!Number.isNaN(Date.parse(v)) && /[zZ]|[+-]\d{2}:?\d{2}$/.test(v)) return new Date(v).toISOString();
  return v;
}

function pick(row: Record<string, unknown>, field: string, mapping: Record<string, string>): unknown {
  if (mapping[field]) return row[mapping[field]];
  if (row[field] !== undefined) return row[field];
  for (const a of ALIASES[field] ?? []) if (row[a] !== undefined) return row[a];
  return undefined;
}

/** One file row (already split into named columns) as a mention input, before validation. */
export function rowToMention(row: Record<string, unknown>, opts: ParseOptions): Record<string, unknown> {
  const mapping = opts.mapping ?? {};
  const out: Record<string, unknown> = {};
  const identifiers: Record<string, unknown> = {};
  for (const f of FIELDS) {
    let v = pick(row, f, mapping);
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'number' && f !== 'likes' && f !== 'comments' && f !== 'shares' && f !== 'views') v = String(v);
    if (f === 'postedAt' && typeof v === 'string') v = normaliseTime(v, opts.offset);
    if ((ID_FIELDS as readonly string[]).includes(f)) identifiers[f] = v;
    else out[f] = v;
  }
  if (out.source === undefined && opts.source) out.source = opts.source;
  if (Object.keys(identifiers).length > 0) out.identifiers = identifiers;
  return out;
}

/**
 * Reads a whole file of mentions (CSV, TSV, NDJSON or a JSON array) and validates every row: all problems come back
 * with their line numbers and nothing is returned to store unless the whole file is good.
 */
export function parseMentionFile(content: string, opts: ParseOptions = {}): { items: MentionInput[]; issues: LineIssue[] } {
  const format = opts.format ?? 'csv';
  if (opts.source && !(MENTION_SOURCES as readonly string[]).includes(opts.source))
    throw invalid('listening.bad_source', `source: one of ${MENTION_SOURCES.join(', ')}`, [{ path: 'source', message: 'unknown source' }]);
  const rows: Array<{ line: number; row: Record<string, unknown> }> = [];
  const issues: LineIssue[] = [];
  if (format === 'csv' || format === 'tsv') {
    let records: Array<{ record: Record<string, unknown>; info: { lines: number } }>;
    try {
      records = parse(content.replace(/^\uFEFF/, ''), { columns: true, delimiter: format === 'tsv' ? '\t' : ',', skip_empty_lines: true, relax_column_count: false, info: true, trim: true });
    } catch (err) {
      const e = err as { lines?: number; message: string };
      throw invalid('listening.bad_file', `line ${e.lines ?? '?'}: ${e.message}`, [{ path: `line ${e.lines ?? '?'}`, message: e.message }]);
    }
    for (const r of records) rows.push({ line: r.info.lines, row: r.record });
  } else if (format === 'ndjson') {
    content.split('\n').forEach((text, i) => {
      if (!text.trim()) return;
      try {
        const v = JSON.parse(text) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) issues.push({ line: i + 1, path: '', message: 'not a JSON object' });
        else rows.push({ line: i + 1, row: v as Record<string, unknown> });
      } catch (err) {
        issues.push({ line: i + 1, path: '', message: `not JSON: ${(err as Error).message}` });
      }
    });
  } else {
    let v: unknown;
    try {
      v = JSON.parse(content);
    } catch (err) {
      throw invalid('listening.bad_file', `not JSON: ${(err as Error).message}`, [{ path: '', message: 'not JSON' }]);
    }
    const list = Array.isArray(v) ? v : Array.isArray((v as { items?: unknown }).items) ? (v as { items: unknown[] }).items : null;
    if (!list) throw invalid('listening.bad_file', 'a JSON file must be an array of mentions or {"items": [...]}', [{ path: '', message: 'not an array' }]);
    list.forEach((row, i) => rows.push({ line: i + 1, row: row as Record<string, unknown> }));
  }
  const items: MentionInput[] = [];
  for (const { line, row } of rows) {
    const parsed = MentionInput.safeParse(rowToMention(row, opts));
    if (parsed.success) items.push(parsed.data);
    else for (const i of parsed.error.issues) issues.push({ line, path: i.path.join('.'), message: i.message });
  }
  return { items: issues.length ? [] : items, issues };
}

/** Reads an RSS 2.0 or Atom document's items as mentions of `source` (title + description as the text). */
export function parseFeedXml(xml: string, source: MentionSource): { items: MentionInput[]; skipped: number } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text' }).parse(xml) as { rss?: { channel?: { item?: unknown } }; feed?: { entry?: unknown } };
  const text = (v: unknown): string => (v == null ? '' : typeof v === 'object' ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v));
  const strip = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();
  const list = (v: unknown) => (v == null ? [] : Array.isArray(v) ? v : [v]);
  const raw = doc.rss ? list(doc.rss.channel?.item) : list(doc.feed?.entry);
  const items: MentionInput[] = [];
  let skipped = 0;
  for (const it of raw as Array<Record<string, unknown>>) {
    const link = doc.rss ? text(it.link) : text((list(it.link)[0] as Record<string, unknown> | undefined)?.['@href']);
    const when = text(it.pubDate ?? it.published ?? it.updated ?? it['dc:date']);
    const body = [text(it.title), strip(text(it.description ?? it.summary ?? it.content))].filter(Boolean).join(' — ');
    const parsed = MentionInput.safeParse({
      source,
      externalId: text(it.guid ?? it.id) || link || undefined,
      url: link || undefined,
      author: text(it.author ?? (it.author as Record<string, unknown> | undefined)?.name ?? it['dc:creator']) || undefined,
      text: body,
      postedAt: when ? new Date(when).toISOString() : undefined,
    });
    if (parsed.success) items.push(parsed.data);
    else skipped++;
  }
  return { items, skipped };
}

/** Reads a value at a dotted path ("data.list", "user.name"). */
export function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v != null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), obj);
}

/**
 * Reads a JSON feed's items as mentions: JSON Feed 1.1 (items[].id, content_text, date_published, url, author.name)
 * unless `mapping` names other paths ({items, externalId, text, postedAt, author, url, region, city, likes, …}).
 */
export function parseFeedJson(doc: unknown, source: MentionSource, mapping: Record<string, string> = {}): { items: MentionInput[]; skipped: number } {
  const list = at(doc, mapping.items ?? 'items');
  if (!Array.isArray(list)) throw invalid('listening.bad_feed', `the feed has no array at ${mapping.items ?? 'items'}`, [{ path: 'mapping.items', message: 'no array there' }]);
  const defaults: Record<string, string> = { externalId: 'id', text: 'content_text', postedAt: 'date_published', author: 'author.name', url: 'url' };
  const items: MentionInput[] = [];
  let skipped = 0;
  for (const it of list) {
    const row: Record<string, unknown> = {};
    for (const f of FIELDS) {
      const p = mapping[f] ?? defaults[f];
      if (p) row[f] = at(it, p);
    }
    const parsed = MentionInput.safeParse(rowToMention(row, { source }));
    if (parsed.success) items.push(parsed.data);
    else skipped++;
  }
  return { items, skipped };
}
