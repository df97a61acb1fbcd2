import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listAudit, verifyAuditChain } from '../audit.js';
import { parseInstant } from '../clock.js';
import type { Db } from '../db/database.js';
import { invalid } from '../errors.js';

const AuditRecordView = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

const VerificationView = z.object({
  ok: z.boolean(),
  rows: z.number().int(),
  headSeq: z.number().int().nullable(),
  headHash: z.string().nullable(),
  firstBadSeq: z.number().int().optional(),
  problem: z.enum(['seq_gap', 'prev_hash_mismatch', 'hash_mismatch']).optional(),
  reason: z.string().optional(),
});

/** The audit log (src/platform/audit.ts): who did which sensitive thing, and whether the chain is intact. */
export function registerAuditRoutes(root: FastifyInstance, deps: { db: Db; timeZone: string }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['audit'];
  const instant = (text: string | undefined, path: string): Date | undefined => {
    if (text === undefined) return undefined;
    const d = parseInstant(text, deps.timeZone);
    if (!d) throw invalid('audit.invalid_instant', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };

  app.get(
    '/api/v1/audit',
    {
      config: { scope: 'audit:read' },
      schema: {
        tags,
        summary: 'Audit log entries, newest first: filter by action (exact, or a prefix like customers.*), actor, target, time; page with before=nextBefore',
        querystring: z
          .object({
            action: z.string().trim().min(1).max(100).optional(),
            actor: z.string().trim().min(1).max(200).optional(),
            targetType: z.string().trim().min(1).max(100).optional(),
            targetId: z.string().trim().min(1).max(200).optional(),
            from: z.string().max(40).optional().describe('at >= from: a date (midnight in the business time zone) or an instant'),
            to: z.string().max(40).optional().describe('at < to'),
            before: z.coerce.number().int().min(1).optional().describe('Entries with seq below this (the previous page’s nextBefore)'),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ items: z.array(AuditRecordView), nextBefore: z.number().int().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      const from = instant(q.from, 'from');
      const to = instant(q.to, 'to');
      return listAudit(deps.db, { action: q.action, actor: q.actor, targetType: q.targetType, targetId: q.targetId, from, to, before: q.before, limit: q.limit });
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      config: { scope: 'audit:read' },
      schema: {
        tags,
        summary: 'Recompute the hash chain over the whole log: ok, or the first bad seq and why (edited, deleted, inserted or reordered row)',
        response: { 200: VerificationView },
      },
    },
    async () => verifyAuditChain(deps.db),
  );
}
