/**
 * One error type for the whole program. `code` is `<module>.<what>` or a platform code; the HTTP
 * layer maps codes to statuses with one table (HTTP_STATUS) so modules never think about HTTP.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal';

export const HTTP_STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
};

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `lines.0.unitPrice`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError('conflict', code, message, details);
export const invalid = (code: string, message: string, issues?: FieldIssue[]) =>
  new AppError('validation', code, message, issues ? { issues } : undefined);
export const forbidden = (code: string, message: string) => new AppError('forbidden', code, message);

/** zod issues → our field issues (`lines.0.unitPrice`). */
export function zodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
