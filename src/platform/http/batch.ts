import { z } from 'zod';
import { zodIssues, type FieldIssue } from '../errors.js';
import { nulPath } from './nul.js';

export const MAX_BATCH = 1000;

export type ItemResult<T = Record<string, unknown>> =
  | ({ index: number; status: 'created' | 'updated' | 'unchanged' } & T)
  | { index: number; status: 'error'; error: { code: string; message: string; issues?: FieldIssue[] } };

/** The batch envelope: items are validated one by one so one bad item does not sink the rest. */
export const batchBody = z.object({ items: z.array(z.unknown()).min(1).max(MAX_BATCH) });

export function splitValid<S extends z.ZodType>(
  schema: S,
  items: unknown[],
): { valid: Array<{ index: number; value: z.output<S> }>; errors: ItemResult[] } {
  const valid: Array<{ index: number; value: z.output<S> }> = [];
  const errors: ItemResult[] = [];
  items.forEach((item, index) => {
    const nul = nulPath(item, `items.${index}`);
    if (nul !== undefined) {
      const message = 'contains a NUL character (U+0000)';
      errors.push({ index, status: 'error', error: { code: 'validation_failed', message: `${nul}: ${message}`, issues: [{ path: nul, message }] } });
      return;
    }
    const parsed = schema.safeParse(item);
    if (parsed.success) valid.push({ index, value: parsed.data });
    else {
      const issues = zodIssues(parsed.error.issues).map((i) => ({ ...i, path: `items.${index}.${i.path}` }));
      errors.push({
        index,
        status: 'error',
        error: { code: 'validation_failed', message: `${issues[0]?.path}: ${issues[0]?.message}`, issues },
      });
    }
  });
  return { valid, errors };
}

export function summarize(results: ItemResult[]) {
  const summary = { created: 0, updated: 0, unchanged: 0, error: 0 };
  for (const r of results) summary[r.status] += 1;
  return { results: [...results].sort((a, b) => a.index - b.index), summary };
}
