import type { z } from 'zod';
import { isApiError } from '../../api/api-client';

/** Field → the first problem zod found with it (`''` for the form as a whole). */
export type FieldErrors = Partial<Record<string, string>>;

/**
 * Check a form with the API's own schema. `words` turns a field's problem into the reader's
 * language; zod's own messages are English and meant for API callers.
 */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  words: (field: string) => string,
): { ok: true; data: z.infer<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '');
    errors[field] ??= words(field);
  }
  return { ok: false, errors };
}

/** An API refusal the form could not foresee (a taken username, the last administrator), in words. */
export function apiProblem(error: unknown, known: Record<string, string>, fallback: { network: string }): string | null {
  if (!error) return null;
  if (isApiError(error)) return known[error.body.code] ?? error.message;
  return fallback.network;
}
