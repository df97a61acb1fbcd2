import { pino, type Logger } from 'pino';

/**
 * Paths that may carry personal data or secrets. pino removes them before a line is written,
 * so a careless `log.info({ body })` cannot leak a phone number.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.phone',
  '*.email',
  '*.name',
  '*.address',
  '*.token',
  '*.apiKey',
  '*.secret',
  'body',
  'customer',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'kemai' },
      serializers: {
        // Query strings carry search terms (phones, emails): log the path only.
        req: (req: { method?: string; url?: string; id?: string }) => ({
          method: req.method,
          path: req.url?.split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: serializeError,
      },
    },
    destination as never,
  );
}

/**
 * Database errors carry the values of the failed statement: drizzle puts every bound parameter in
 * its message ("params: 13800138000,王芳"), and Postgres quotes offending input in its own
 * ('invalid input syntax for type uuid: "13800138000"') and in `detail` ('Key (value)=(…)').
 * Those are logged as the statement text, SQLSTATE, constraint and stack frames, without values.
 */
export function serializeError(err: unknown): unknown {
  return isDatabaseError(err) ? databaseErrorView(err) : pino.stdSerializers.err(err as Error);
}

type ErrorFields = Error & Record<string, unknown>;

function isDatabaseError(e: unknown): e is ErrorFields {
  if (!(e instanceof Error)) return false;
  const f = e as ErrorFields;
  if (typeof f.query === 'string' && 'params' in f) return true;
  if (typeof f.severity === 'string' && typeof f.code === 'string') return true;
  return isDatabaseError(f.cause);
}

const SAFE_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine'];

function databaseErrorView(e: ErrorFields): Record<string, unknown> {
  const failedQuery = typeof e.query === 'string' && 'params' in e;
  const view: Record<string, unknown> = {
    type: e.name,
    // Identifiers are quoted too, so constraint and table names come back in their own fields.
    message: failedQuery ? 'Failed query' : String(e.message).replace(/"[^"]*"/g, '"…"'),
  };
  if (failedQuery) view.query = e.query;
  for (const k of SAFE_FIELDS) if (typeof e[k] === 'string' || typeof e[k] === 'number') view[k] = e[k];
  view.stack = (e.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  if (e.cause !== undefined) view.cause = serializeError(e.cause);
  return view;
}

export type { Logger };
