import { parseInstant } from '../../../platform/clock.js';
import type { FieldRule, MappingSpec } from '../ingest.schemas.js';
import { fieldType, type FieldType, type KindFields } from './import-kinds.js';

/** A target field's value for one row, or why the row cannot give one. */
type Outcome = { ok: true; value: unknown } | { ok: false; reason: string };
const EMPTY: Outcome = { ok: true, value: undefined };

export interface CompiledField {
  target: string;
  /** The source column shown in the error report ('' for constants). */
  column: string;
  read(cells: Cells): Outcome;
}

export interface RowIssue {
  field: string;
  reason: string;
}

export type Cells = string[] | Record<string, unknown>;

export interface CompiledMapping {
  fields: CompiledField[];
  skip: Array<{ test(cells: Cells): boolean; reason: string }>;
  /** Map one row; issues name the source column (or the target when there is none). */
  mapRow(cells: Cells): { values: Record<string, unknown>; issues: RowIssue[] };
}

export class MappingError extends Error {}

/**
 * Resolve a mapping against the file's header: every required field must come from somewhere,
 * and every column the mapping names must exist. `header` is undefined for NDJSON, where columns
 * are dotted paths into each object.
 */
export function compileMapping(
  kind: string,
  spec: KindFields,
  mapping: MappingSpec,
  header: string[] | undefined,
  defaultTimeZone: string,
): CompiledMapping {
  const index = header ? new Map(header.map((h, i) => [h, i])) : undefined;
  const problems: string[] = [];
  const unknownTargets = Object.keys(mapping.fields).filter((t) => !fieldType(spec, t));
  if (unknownTargets.length)
    throw new MappingError(
      `${kind} have no field ${unknownTargets.map((t) => `"${t}"`).join(', ')}. Fields: ${[...Object.keys(spec.fields), ...spec.open.map((p) => `${p}<name>`)].join(', ')}`,
    );

  const rules = new Map<string, FieldRule>();
  for (const [target, rule] of Object.entries(mapping.fields)) rules.set(target, typeof rule === 'string' ? { column: rule } : rule);
  if (index) {
    // Columns named like a field map themselves: `placedAt`, `lines.sku` or plain `sku`.
    for (const target of Object.keys(spec.fields)) {
      if (rules.has(target)) continue;
      const bare = target.startsWith('lines.') ? target.slice(6) : undefined;
      if (index.has(target)) rules.set(target, { column: target });
      else if (bare && !spec.fields[bare] && index.has(bare)) rules.set(target, { column: bare });
    }
    for (const h of header!) if (spec.open.some((p) => h.startsWith(p) && h.length > p.length) && !rules.has(h)) rules.set(h, { column: h });
  } else {
    for (const target of Object.keys(spec.fields)) if (!rules.has(target)) rules.set(target, { column: target });
  }

  const missing: string[] = [];
  for (const target of spec.required) {
    const rule = rules.get(target);
    if (!rule || (rule.column === undefined && rule.sum === undefined && rule.const === undefined && rule.default === undefined))
      missing.push(`${target} (no column named "${target}"; map one with --map ${target}=COLUMN)`);
  }
  if (index) {
    for (const [target, rule] of rules) {
      for (const col of columnsOf(rule)) if (!index.has(col)) missing.push(`${target} (column "${col}" is not in the file)`);
    }
  }
  if (missing.length) {
    const present = header ? ` Columns in the file: ${header.join(', ')}.` : '';
    throw new MappingError(`cannot import ${kind}: missing ${missing.join('; ')}.${present}`);
  }

  const get = (col: string): ((cells: Cells) => unknown) => {
    if (index) {
      const i = index.get(col)!;
      return (cells) => (cells as string[])[i];
    }
    const path = col.split('.');
    return (cells) => {
      let v: unknown = cells;
      for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      return v;
    };
  };

  const fields: CompiledField[] = [];
  for (const [target, rule] of rules) {
    try {
      fields.push(compileField(target, fieldType(spec, target)!, rule, get, defaultTimeZone));
    } catch (e) {
      problems.push(`${target}: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new MappingError(`the mapping is not valid: ${problems.join('; ')}`);

  const skip = mapping.skip.map((s) => {
    const tests = Object.entries(s.where).map(([col, re]) => {
      if (index && !index.has(col)) throw new MappingError(`skip rule "${s.reason}" names column "${col}", which is not in the file`);
      const g = get(col);
      const rx = new RegExp(re);
      return (cells: Cells) => rx.test(text(g(cells)));
    });
    return { test: (cells: Cells) => tests.every((t) => t(cells)), reason: s.reason };
  });

  return {
    fields,
    skip,
    mapRow(cells) {
      const values: Record<string, unknown> = {};
      const issues: RowIssue[] = [];
      for (const f of fields) {
        const r = f.read(cells);
        if (!r.ok) issues.push({ field: f.column || f.target, reason: `${f.target}: ${r.reason}` });
        else if (r.value !== undefined) values[f.target] = r.value;
      }
      return { values, issues };
    },
  };
}

export function columnsOf(rule: FieldRule): string[] {
  return [...(rule.column ? [rule.column] : []), ...(rule.sum ?? []), ...(rule.divideBy ? [rule.divideBy] : [])];
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v.trim() : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function compileField(
  target: string,
  type: FieldType,
  rule: FieldRule,
  get: (col: string) => (cells: Cells) => unknown,
  defaultTimeZone: string,
): CompiledField {
  const column = rule.column ?? rule.sum?.join('+') ?? '';
  const source: (cells: Cells) => unknown =
    rule.const !== undefined
      ? () => rule.const
      : rule.sum
        ? sumOf(rule.sum.map(get))
        : rule.column
          ? get(rule.column)
          : () => undefined;
  const matches = rule.match ? Object.entries(rule.match).map(([re, v]) => [new RegExp(re), v] as const) : undefined;
  const divisor = rule.divideBy ? get(rule.divideBy) : undefined;
  const arithmetic = rule.abs || rule.multiply !== undefined || divisor || rule.round !== undefined;
  if (arithmetic && !['int', 'number', 'money'].includes(type)) throw new Error('abs, multiply, divideBy and round need a numeric field');
  if ((rule.format || rule.timeZone) && type !== 'instant' && type !== 'date') throw new Error('format and timeZone are for dates');
  const timeZone = rule.timeZone ?? defaultTimeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`"${timeZone}" is not an IANA time zone`);
  }
  const dateFormat = rule.format ? compileDateFormat(rule.format) : undefined;
  const convert = converter(type, timeZone, dateFormat);

  let lastRaw: unknown = Symbol('none');
  let lastOut: Outcome = EMPTY;
  const read = (cells: Cells): Outcome => {
    let raw = source(cells);
    if (raw !== undefined && raw !== null && typeof raw === 'object' && type !== 'list')
      return { ok: false, reason: `expected a single value, got ${JSON.stringify(raw)}` };
    if (matches) {
      const t = text(raw);
      const hit = matches.find(([re]) => re.test(t));
      if (hit) raw = hit[1];
    }
    if (text(raw) === '') {
      if (rule.default === undefined) return EMPTY;
      raw = rule.default;
    }
    if (arithmetic) {
      const t = text(raw);
      if (!NUMERIC.test(t)) return { ok: false, reason: `not a number: "${t}"` };
      let n = Number(t);
      if (rule.abs) n = Math.abs(n);
      if (rule.multiply !== undefined) n *= rule.multiply;
      if (divisor) {
        const d = text(divisor(cells));
        if (!NUMERIC.test(d) || Number(d) === 0) return { ok: false, reason: `cannot divide by "${d}" (column ${rule.divideBy})` };
        n /= Number(d);
      }
      // Arithmetic in doubles leaves noise like 14.770000000000001; six decimals is far below a fen.
      n = Number(n.toFixed(rule.round ?? 6));
      raw = String(n);
    }
    if (raw === lastRaw) return lastOut;
    const out = convert(raw);
    if (out.ok && rule.prefix && typeof out.value === 'string') out.value = rule.prefix + out.value;
    lastRaw = raw;
    lastOut = out;
    return out;
  };
  return { target, column, read };
}

function sumOf(getters: Array<(cells: Cells) => unknown>): (cells: Cells) => unknown {
  return (cells) => {
    let fen = 0;
    let any = false;
    for (const g of getters) {
      const t = text(g(cells));
      if (t === '') continue;
      if (!NUMERIC.test(t)) return t;
      any = true;
      fen += Number(t);
    }
    return any ? String(Number(fen.toFixed(6))) : undefined;
  };
}

const TRUE = new Set(['true', '1', 'yes', 'y', 't', '是']);
const FALSE = new Set(['false', '0', 'no', 'n', 'f', '否']);
const MONEY = /^-?\d{1,13}(\.\d{1,2})?$/;

function converter(type: FieldType, timeZone: string, dateFormat: ((t: string) => string | undefined) | undefined): (raw: unknown) => Outcome {
  switch (type) {
    case 'string':
      return (raw) => ({ ok: true, value: text(raw) });
    case 'list':
      // Tags in one cell: "vip|new_mother", "vip;new_mother" or "vip, new_mother".
      return (raw) => ({ ok: true, value: Array.isArray(raw) ? raw : text(raw).split(/\s*[|;,，、]\s*/).filter(Boolean) });
    case 'int':
      return (raw) => {
        const t = text(raw);
        return /^[+-]?\d{1,15}$/.test(t) ? { ok: true, value: Number(t) } : { ok: false, reason: `not a whole number: "${t}"` };
      };
    case 'number':
      return (raw) => {
        const t = text(raw);
        return NUMERIC.test(t) ? { ok: true, value: Number(t) } : { ok: false, reason: `not a number: "${t}"` };
      };
    case 'money':
      return (raw) => {
        const t = text(raw);
        return MONEY.test(t) ? { ok: true, value: t } : { ok: false, reason: `not an amount with at most 2 decimals: "${t}"` };
      };
    case 'boolean':
      return (raw) => {
        if (typeof raw === 'boolean') return { ok: true, value: raw };
        const t = text(raw).toLowerCase();
        return TRUE.has(t) ? { ok: true, value: true } : FALSE.has(t) ? { ok: true, value: false } : { ok: false, reason: `not true/false: "${t}"` };
      };
    case 'date':
      return (raw) => {
        const t = text(raw);
        const iso = dateFormat ? dateFormat(t)?.slice(0, 10) : t;
        const at = iso && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? parseInstant(iso, 'UTC') : undefined;
        return at ? { ok: true, value: iso } : { ok: false, reason: `not a date${dateFormat ? '' : ' (YYYY-MM-DD)'}: "${t}"` };
      };
    case 'instant':
      return (raw) => {
        const t = text(raw);
        const local = dateFormat ? dateFormat(t) : t;
        const at = local ? parseInstant(local, timeZone) : undefined;
        return at ? { ok: true, value: at.toISOString() } : { ok: false, reason: `not a date-time: "${t}"` };
      };
  }
}

/** "DD/MM/YYYY H:mm" → a function from text to a local ISO date-time. */
export function compileDateFormat(format: string): (t: string) => string | undefined {
  const tokens: Record<string, [string, string]> = {
    YYYY: ['(\\d{4})', 'y'],
    MM: ['(\\d{2})', 'M'],
    M: ['(\\d{1,2})', 'M'],
    DD: ['(\\d{2})', 'd'],
    D: ['(\\d{1,2})', 'd'],
    HH: ['(\\d{2})', 'h'],
    H: ['(\\d{1,2})', 'h'],
    mm: ['(\\d{2})', 'm'],
    ss: ['(\\d{2})', 's'],
  };
  const order: string[] = [];
  let re = '';
  for (let i = 0; i < format.length; ) {
    const tok = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss', 'M', 'D', 'H'].find((k) => format.startsWith(k, i));
    if (tok) {
      re += tokens[tok]![0];
      order.push(tokens[tok]![1]);
      i += tok.length;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  if (!order.includes('y') || !order.includes('M') || !order.includes('d')) throw new Error(`date format "${format}" needs YYYY, MM and DD`);
  const rx = new RegExp(`^${re}$`);
  const pad = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  return (t) => {
    const m = rx.exec(t);
    if (!m) return undefined;
    const p: Record<string, string> = {};
    order.forEach((k, i) => (p[k] = m[i + 1]!));
    return `${p.y}-${pad(p.M)}-${pad(p.d)}T${pad(p.h)}:${pad(p.m)}:${pad(p.s)}`;
  };
}
