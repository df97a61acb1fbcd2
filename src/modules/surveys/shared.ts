import type { z } from 'zod';
import { invalid, zodIssues } from '../../platform/errors.js';
import { SettingsInput, type Settings } from './surveys.schemas.js';

export const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());
export const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Stored settings with the defaults filled in (older rows may lack newer fields). */
export function readSettings(v: unknown): Settings {
  const r = SettingsInput.safeParse(json(v ?? {}));
  return r.success ? r.data : SettingsInput.parse({});
}

/** zod parse, or a 400 naming every field (`questions.2.options`). */
export function parseOr<S extends z.ZodType>(schema: S, input: unknown, code: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = zodIssues(r.error.issues);
    throw invalid(code, `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }
  return r.data;
}
