import { isApiError } from '../../api/api-client';
import type { FieldErrors } from '../settings/forms';

/**
 * An API refusal split into the fields it names (`details.issues[].path`) and what is left for the
 * form as a whole. `known` turns a code the form expects into field messages in the reader's
 * language; `fieldOf` maps an API path (`rules.earn.points`) to the form's field name.
 */
export function serverErrors(
  error: unknown,
  network: string,
  known: (code: string, details: Record<string, unknown> | undefined) => FieldErrors | null,
  fieldOf: (path: string) => string = (p) => p,
): { fields: FieldErrors; form: string | null } {
  if (!error) return { fields: {}, form: null };
  if (!isApiError(error)) return { fields: {}, form: network };
  const mapped = known(error.body.code, error.body.details);
  if (mapped) return { fields: mapped, form: null };
  const fields: FieldErrors = {};
  for (const issue of error.body.details?.issues ?? []) fields[fieldOf(issue.path)] ??= issue.message;
  return { fields, form: Object.keys(fields).length > 0 ? null : error.message };
}
