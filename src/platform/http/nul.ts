/**
 * PostgreSQL text cannot hold U+0000. The HTTP edge refuses it in params, query and body (app.ts), batch envelopes per
 * item (batch.ts), naming the field, instead of letting the database fail with 22021.
 */

/** The dotted path of the first string holding U+0000 (object keys included), or undefined. */
export function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(root)' : undefined;
  if (!value || typeof value !== 'object' || depth > 32) return undefined;
  // Plain JSON only: an uploaded file (a Buffer or a stream) is parsed, and refused by line, by its importer.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const at = path ? `${path}.${k}` : k;
    if (k.includes('\u0000')) return at;
    const found = nulPath(v, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
