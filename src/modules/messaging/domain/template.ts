import type { FieldIssue } from '../../../platform/errors.js';
import { CHANNELS, LOCALES, type Channel, type Locale } from '../messaging.contract.js';
import { placeholderProblems, variablePaths } from './render.js';

/** A template's words: per channel, per locale, a body and (email, optionally push / tasks) a subject. */
export interface TemplateText {
  subject?: string | undefined;
  body: string;
}
export type TemplateContents = Partial<Record<Channel, Partial<Record<Locale, TemplateText>>>>;

export const SMS_MAX = 500;
export const SUBJECT_MAX = 200;
export const BODY_MAX = 20_000;

/**
 * Checks a template's contents beyond their shape, naming the field: a known channel and locale, zh-CN for each
 * channel present, an email's subject, an SMS at most 500 characters, placeholders that are variable names.
 */
export function validateContents(contents: Record<string, unknown>, prefix = 'contents'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const channels = Object.keys(contents);
  if (channels.length === 0) issues.push({ path: prefix, message: 'needs the text for at least one channel' });
  for (const channel of channels) {
    const path = `${prefix}.${channel}`;
    if (!(CHANNELS as readonly string[]).includes(channel)) {
      issues.push({ path, message: `unknown channel (one of ${CHANNELS.join(', ')})` });
      continue;
    }
    const byLocale = contents[channel];
    if (!byLocale || typeof byLocale !== 'object' || Array.isArray(byLocale)) {
      issues.push({ path, message: 'must be an object of locales' });
      continue;
    }
    if (!('zh-CN' in byLocale)) issues.push({ path: `${path}.zh-CN`, message: 'is required for every channel' });
    for (const [locale, text] of Object.entries(byLocale as Record<string, unknown>)) {
      const lp = `${path}.${locale}`;
      if (!(LOCALES as readonly string[]).includes(locale)) {
        issues.push({ path: lp, message: `unknown locale (one of ${LOCALES.join(', ')})` });
        continue;
      }
      if (!text || typeof text !== 'object') {
        issues.push({ path: lp, message: 'must be {subject?, body}' });
        continue;
      }
      const t = text as Record<string, unknown>;
      for (const k of Object.keys(t)) if (k !== 'subject' && k !== 'body') issues.push({ path: `${lp}.${k}`, message: 'unknown field (subject, body)' });
      if (typeof t.body !== 'string' || t.body.trim() === '') issues.push({ path: `${lp}.body`, message: 'is required' });
      else {
        if (channel === 'sms' && [...t.body].length > SMS_MAX) issues.push({ path: `${lp}.body`, message: `an SMS is at most ${SMS_MAX} characters (has ${[...t.body].length})` });
        if (t.body.length > BODY_MAX) issues.push({ path: `${lp}.body`, message: `at most ${BODY_MAX} characters` });
        for (const p of placeholderProblems(t.body)) issues.push({ path: `${lp}.body`, message: p });
      }
      if (t.subject !== undefined && typeof t.subject !== 'string') issues.push({ path: `${lp}.subject`, message: 'must be text' });
      if (channel === 'email' && (typeof t.subject !== 'string' || t.subject.trim() === '')) issues.push({ path: `${lp}.subject`, message: 'an email needs a subject' });
      if (typeof t.subject === 'string') {
        if (t.subject.length > SUBJECT_MAX) issues.push({ path: `${lp}.subject`, message: `at most ${SUBJECT_MAX} characters` });
        for (const p of placeholderProblems(t.subject)) issues.push({ path: `${lp}.subject`, message: p });
      }
    }
  }
  return issues;
}

/** The text for a channel in a locale, zh-CN when the locale has none. */
export function textFor(contents: TemplateContents, channel: Channel, locale: Locale): { locale: Locale; text: TemplateText } | undefined {
  const byLocale = contents[channel];
  if (!byLocale) return undefined;
  const own = byLocale[locale];
  if (own) return { locale, text: own };
  const zh = byLocale['zh-CN'];
  return zh ? { locale: 'zh-CN', text: zh } : undefined;
}

/** The channels a template has text for, in the contract's order (sms, email, wechat, app_push, guide_task). */
export function templateChannels(contents: TemplateContents): Channel[] {
  return CHANNELS.filter((c) => contents[c] !== undefined);
}

/** Every dotted variable path a template uses, in order of first use over its channels (contract order), zh-CN then en. */
export function templatePaths(contents: TemplateContents): string[] {
  const seen = new Set<string>();
  for (const c of templateChannels(contents))
    for (const l of LOCALES) {
      const t = contents[c]?.[l];
      if (t) for (const s of [t.subject ?? '', t.body]) for (const p of variablePaths(s)) seen.add(p);
    }
  return [...seen];
}
