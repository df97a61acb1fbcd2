import { z } from 'zod';
import { SEVERITIES } from './service.contract.js';

const code = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash or underscore');
const fen = z.number().int().positive().max(100_000_00);
const note = z.string().trim().max(500).optional();

/**
 * One thing a compensation does. coupon, points and refund are carried out by Kemai (promotions, loyalty, orders);
 * exchange, priority_shipping and cash are carried out by staff outside Kemai and recorded as done with a note.
 */
export const CompensationAction = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('coupon'),
      /** A fixed-amount compensation coupon (promotions' COMP-<fen> template)… */
      amountFen: fen.optional(),
      /** …or a coupon of a compensation template. */
      templateCode: z.string().trim().min(1).max(64).optional(),
    })
    .strict()
    .refine((a) => (a.amountFen === undefined) !== (a.templateCode === undefined), { message: 'give amountFen or templateCode (one of them)', path: ['amountFen'] }),
  z.object({ type: z.literal('points'), points: z.number().int().positive().max(10_000_000) }).strict(),
  z.object({ type: z.literal('refund'), scope: z.literal('full') }).strict(),
  z.object({ type: z.literal('exchange'), note }).strict(),
  z.object({ type: z.literal('priority_shipping'), note }).strict(),
  z.object({ type: z.literal('cash'), amountFen: fen, note }).strict(),
]);
export type CompensationAction = z.output<typeof CompensationAction>;
export const ACTION_TYPES = ['coupon', 'points', 'refund', 'exchange', 'priority_shipping', 'cash'] as const;
/** Actions staff carry out outside Kemai: execution records them as done with a note. */
export const MANUAL_ACTIONS: ReadonlySet<string> = new Set(['exchange', 'priority_shipping', 'cash']);

export const CompensationOption = z
  .object({
    code,
    name: z.string().trim().min(1).max(120),
    actions: z.array(CompensationAction).min(1).max(10),
  })
  .strict();
export type CompensationOption = z.output<typeof CompensationOption>;

const options = z
  .array(CompensationOption)
  .min(1)
  .max(10)
  .superRefine((opts, ctx) => {
    const seen = new Set<string>();
    opts.forEach((o, i) => {
      if (seen.has(o.code)) ctx.addIssue({ code: 'custom', message: `option code ${o.code} appears twice`, path: [i, 'code'] });
      seen.add(o.code);
    });
  });

export const APPROVAL_SCOPES = ['service:write', 'service:approve'] as const;
export const POLICY_STATUSES = ['active', 'archived'] as const;

/** A compensation policy: what a ticket of this severity (and one of these categories, none = any) may be offered. */
export const CompensationPolicyInput = z
  .object({
    code,
    name: z.string().trim().min(1).max(120),
    severity: z.enum(SEVERITIES),
    categories: z.array(z.string().trim().min(1).max(64)).max(50).default([]),
    options,
    /** Who may approve: service:write lets the agent approve; service:approve needs someone other than the proposer. */
    approvalScope: z.enum(APPROVAL_SCOPES).default('service:approve'),
    /** The most one compensation under this policy may be worth (fen, refunds included); null: no cap. */
    maxTotalFen: z.number().int().positive().max(100_000_000_00).nullable().default(null),
    status: z.enum(POLICY_STATUSES).default('active'),
  })
  .strict();
export type CompensationPolicyInput = z.output<typeof CompensationPolicyInput>;

export const CompensationPolicyPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    severity: z.enum(SEVERITIES).optional(),
    categories: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
    options: options.optional(),
    approvalScope: z.enum(APPROVAL_SCOPES).optional(),
    maxTotalFen: z.number().int().positive().max(100_000_000_00).nullable().optional(),
    status: z.enum(POLICY_STATUSES).optional(),
  })
  .strict();
export type CompensationPolicyPatch = z.output<typeof CompensationPolicyPatch>;

/** A proposal: a policy's option, or custom actions (which need service:approve to propose and to approve). */
export const ProposeInput = z
  .object({
    policyCode: z.string().trim().min(1).max(64).optional(),
    optionCode: z.string().trim().min(1).max(64).optional(),
    actions: z.array(CompensationAction).min(1).max(10).optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.actions !== undefined) {
      if (v.policyCode !== undefined) ctx.addIssue({ code: 'custom', message: 'give policyCode and optionCode, or actions, not both', path: ['policyCode'] });
      return;
    }
    if (v.policyCode === undefined) ctx.addIssue({ code: 'custom', message: 'required (or custom actions)', path: ['policyCode'] });
    if (v.optionCode === undefined) ctx.addIssue({ code: 'custom', message: 'required with policyCode', path: ['optionCode'] });
  });
export type ProposeInput = z.output<typeof ProposeInput>;

export const DecisionInput = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export type DecisionInput = z.output<typeof DecisionInput>;
