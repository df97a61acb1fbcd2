import { z } from 'zod';

/**
 * How one target field gets its value: a column (CSV header or NDJSON dotted path), a sum of
 * columns, or a constant, then simple transforms. A plain string is shorthand for `{column}`.
 */
export const FieldRule = z
  .object({
    column: z.string().min(1).optional(),
    sum: z.array(z.string().min(1)).min(1).optional().describe('add these numeric columns'),
    const: z.union([z.string(), z.number(), z.boolean()]).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional().describe('used when the value is empty'),
    match: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('regex → value, first match wins; no match keeps the value (or uses default)'),
    abs: z.boolean().optional(),
    multiply: z.number().finite().optional(),
    divideBy: z.string().min(1).optional().describe('a numeric column to divide by'),
    round: z.number().int().min(0).max(6).optional().describe('decimals to round to after arithmetic'),
    format: z.string().min(1).optional().describe('date format with YYYY MM M DD D HH H mm ss, e.g. "DD/MM/YYYY HH:mm"'),
    timeZone: z.string().min(1).optional().describe('IANA zone of local date-times (default: the business zone)'),
    prefix: z.string().optional(),
  })
  .strict()
  .refine((r) => [r.column, r.sum, r.const].filter((x) => x !== undefined).length <= 1, 'give one of column, sum or const');
export type FieldRule = z.output<typeof FieldRule>;

export const SkipRule = z.object({
  /** Every column's value must match its regex for the row to be skipped. */
  where: z.record(z.string(), z.string()),
  reason: z.string().min(1),
});
export type SkipRule = z.output<typeof SkipRule>;

/** A mapping file (`--mapping FILE.json`); presets are written in the same shape. */
export const MappingSpec = z
  .object({
    format: z.enum(['csv', 'ndjson']).optional(),
    delimiter: z.string().length(1).optional(),
    encoding: z.string().optional(),
    fields: z.record(z.string(), z.union([z.string().min(1), FieldRule])).default({}),
    skip: z.array(SkipRule).default([]),
  })
  .strict();
export type MappingSpec = z.output<typeof MappingSpec>;
