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
        err: pino.stdSerializers.err,
      },
    },
    destination as never,
  );
}

export type { Logger };
