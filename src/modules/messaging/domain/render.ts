/**
 * Template text: `{{name}}`, dotted paths `{{coupon.code}}`, a fallback `{{name|亲爱的会员}}`. A missing value (absent,
 * null or empty) gives the fallback or ''. Pure: no database, no clock.
 */

const TOKEN = /\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}/g;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;

export type Part = { kind: 'text'; text: string } | { kind: 'var'; path: string; fallback: string | undefined; raw: string };

/** The template cut into literal text and placeholders (a `{{…}}` that is no valid path stays literal). */
export function parseTemplate(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const path = m[1]!;
    if (!PATH.test(path)) continue;
    if (m.index > last) parts.push({ kind: 'text', text: text.slice(last, m.index) });
    parts.push({ kind: 'var', path, fallback: m[2] === undefined ? undefined : m[2].trim(), raw: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Problems with the placeholders of a text (unclosed `{{`, a name that is no variable path), for validation. */
export function placeholderProblems(text: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(TOKEN)) if (!PATH.test(m[1]!)) problems.push(`{{${m[1]}}} is not a variable name (letters, digits, _ and dots)`);
  const stripped = text.replace(TOKEN, '');
  if (stripped.includes('{{')) problems.push('a {{ is not closed by }}');
  return problems;
}

/** The dotted paths a text uses, in order of first use. */
export function variablePaths(text: string): string[] {
  const seen = new Set<string>();
  for (const p of parseTemplate(text)) if (p.kind === 'var') seen.add(p.path);
  return [...seen];
}

/** The top-level variable names a text uses (`coupon.code` → `coupon`). */
export function variableNames(text: string): string[] {
  return [...new Set(variablePaths(text).map((p) => p.split('.')[0]!))];
}

/** A value by dotted path; undefined when any step is missing. */
export function lookup(vars: Record<string, unknown>, path: string): unknown {
  let cur: unknown = vars;
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A value as text: lists joined with 、 (zh-CN) or ", " (en), objects by their name, dates as ISO. */
export function formatValue(v: unknown, locale: string = 'zh-CN'): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (Array.isArray(v))
    return v
      .map((x) => formatValue(x, locale))
      .filter((s) => s !== '')
      .join(locale === 'en' ? ', ' : '、');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string') return o.name;
    if (typeof o.code === 'string') return o.code;
    return JSON.stringify(v);
  }
  return '';
}

export interface RenderOptions {
  locale?: string;
  /** Applied to every variable's value (not to fallbacks or the template's own text). */
  escapeValue?: (s: string) => string;
  /** Applied to the template's own text and to fallbacks. */
  escapeText?: (s: string) => string;
}

export function render(text: string, vars: Record<string, unknown>, opts: RenderOptions = {}): string {
  const ev = opts.escapeValue ?? ((s: string) => s);
  const et = opts.escapeText ?? ((s: string) => s);
  let out = '';
  for (const p of parseTemplate(text)) {
    if (p.kind === 'text') out += et(p.text);
    else {
      const value = formatValue(lookup(vars, p.path), opts.locale);
      out += value !== '' ? ev(value) : et(p.fallback ?? '');
    }
  }
  return out;
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Whether a body is written as HTML (has a tag) rather than plain text. */
export const looksLikeHtml = (text: string) => /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(text);

/**
 * The HTML part of an email: values HTML-escaped. A body written as HTML keeps its markup; a plain-text body is
 * escaped too, its blank lines becoming paragraphs and its line breaks <br>.
 */
export function renderHtml(text: string, vars: Record<string, unknown>, locale: string = 'zh-CN'): string {
  if (looksLikeHtml(text)) return render(text, vars, { locale, escapeValue: escapeHtml });
  const nl = (s: string) => escapeHtml(s).replace(/\r?\n/g, '<br>');
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((para) => `<p>${render(para, vars, { locale, escapeValue: nl, escapeText: nl })}</p>`)
    .join('\n');
}

export interface Rendered {
  subject: string | null;
  body: string;
  /** Email only. */
  html: string | null;
}

/** A plain-text version of HTML: line breaks and block ends become newlines, tags go, the five entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol)>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * One text rendered: the subject, the body, and for email the HTML part (values escaped). An email written as HTML
 * gets a plain-text body made from its HTML part, so the text part never shows tags.
 */
export function renderContent(channel: string, content: { subject?: string | undefined; body: string }, vars: Record<string, unknown>, locale: string): Rendered {
  const subject = content.subject === undefined ? null : render(content.subject, vars, { locale });
  const html = channel === 'email' ? renderHtml(content.body, vars, locale) : null;
  const body = html !== null && looksLikeHtml(content.body) ? htmlToText(html) : render(content.body, vars, { locale });
  return { subject, body, html };
}
