import { z } from 'zod';
import { parseMoney } from './money.js';

/** An amount as "199.00", "199.5" or 199 → integer fen; more than 2 decimals is refused. */
export const money = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const fen = parseMoney(v);
  if (fen === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an amount with at most 2 decimals, e.g. "199.00"' });
    return z.NEVER;
  }
  return fen;
});

/** An instant with an explicit offset, or a date-time read in the business zone by the caller. */
export const instant = z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true }), z.iso.date()]);

export const cursorQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
