import { z } from 'zod';

/**
 * The journeys contract: a journey's definition (trigger, audience, steps, goal) as stored in journeys.versions and
 * accepted by the API, the CLI and the console's builder. Steps form a graph by id: each names its `next` (null or
 * absent ends the journey, status completed); a branch names one next per condition and an `else`.
 */

const stepId = z.string().trim().regex(/^[a-z0-9_-]{1,40}$/, 'step ids are 1–40 of a-z 0-9 _ -');
const code = z.string().trim().min(1).max(64);
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM (24-hour)');
const next = stepId.nullable().optional();

export const TRIGGER_EVENTS = [
  'first_purchase', // a customer's first order (orders.order.placed with no earlier order)
  'order_placed', // any order
  'tier_changed', // loyalty.tier.changed (filter: direction up|down, toTier)
  'segment_entered', // segments.customer.entered (filter: segment)
  'segment_exited',
  'ticket_resolved', // service.ticket.resolved (issue 11 publishes it)
  'rhythm_changed', // insights.rhythm.changed: a customer's repurchase cycle slipped
  'member_joined', // customers.profiles.changed with a new member
] as const;

export const TriggerInput = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('event'),
    event: z.enum(TRIGGER_EVENTS),
    /** Narrow the event: a segment code (segment_*), tier direction and target (tier_changed), order channels and minimum (orders). */
    filter: z
      .object({
        segment: code.optional(),
        direction: z.enum(['up', 'down']).optional(),
        toTier: code.optional(),
        channels: z.array(z.string().min(1).max(32)).max(10).optional(),
        minAmountFen: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  }),
  z.object({
    type: z.literal('date'),
    date: z.enum(['birthday', 'anniversary']),
    /** Days before (negative) or after the date; 0 on the day. */
    offsetDays: z.number().int().min(-60).max(60).default(0),
    at: time.default('10:00'),
  }),
  z.object({
    type: z.literal('inactivity'),
    /** Enter once the last order is this many days old (only customers who have bought). */
    days: z.number().int().min(1).max(3650),
    at: time.default('10:00'),
  }),
  z.object({
    type: z.literal('schedule'),
    /** once at `startAt`, or every day / week / month / quarter from it. */
    every: z.enum(['once', 'day', 'week', 'month', 'quarter']).default('once'),
    startAt: z.string().datetime({ offset: true }),
  }),
]);
export type Trigger = z.infer<typeof TriggerInput>;

/** Who may enter (checked at entry, whatever the trigger): segments to be in or not in; members only. */
export const AudienceInput = z
  .object({
    segments: z.array(code).max(20).optional(),
    excludeSegments: z.array(code).max(20).optional(),
  })
  .strict();

export const ConditionInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('segment'), segment: code, in: z.boolean().default(true) }),
  z.object({ type: z.literal('tier'), tiers: z.array(code).min(1).max(20) }),
  /** Bought anything since entering the journey. */
  z.object({ type: z.literal('purchased'), value: z.boolean().default(true) }),
  /** Has marketing consent (and an address) for a channel. */
  z.object({ type: z.literal('reachable'), channel: z.enum(['sms', 'email', 'wechat', 'app_push']) }),
  z.object({ type: z.literal('age'), min: z.number().int().min(0).max(120).optional(), max: z.number().int().min(0).max(120).optional() }),
  z.object({ type: z.literal('tag'), tag: z.string().trim().min(1).max(64) }),
  /** A message sent by an earlier step reached this status (delivered, opened, clicked). */
  z.object({ type: z.literal('message'), step: stepId, status: z.enum(['sent', 'delivered', 'opened', 'clicked']) }),
  /** A random split (A/B), stable per enrollment. */
  z.object({ type: z.literal('random'), percent: z.number().int().min(1).max(99) }),
]);
export type Condition = z.infer<typeof ConditionInput>;

const base = { id: stepId, name: z.string().trim().max(100).optional() };

export const StepInput = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('wait'),
    /** A duration; or until a time of day (the next one); or until the customer's usual hour. */
    days: z.number().int().min(0).max(3650).optional(),
    hours: z.number().int().min(0).max(24 * 365).optional(),
    minutes: z.number().int().min(0).max(60 * 24 * 30).optional(),
    until: time.optional(),
    next,
  }),
  z.object({
    ...base,
    type: z.literal('branch'),
    branches: z.array(z.object({ when: z.array(ConditionInput).min(1).max(10), next })).min(1).max(5),
    else: next,
  }),
  z.object({
    ...base,
    type: z.literal('send'),
    template: code,
    channel: z.enum(['auto', 'sms', 'email', 'wechat', 'app_push']).default('auto'),
    sendAt: z.enum(['now', 'usual_hour']).default('usual_hour'),
    next,
  }),
  z.object({ ...base, type: z.literal('coupon'), template: code, next }),
  z.object({ ...base, type: z.literal('points'), points: z.number().int().min(1).max(1_000_000), reason: z.string().trim().min(1).max(200), next }),
  z.object({ ...base, type: z.literal('tag'), add: z.array(z.string().trim().min(1).max(64)).max(10).default([]), remove: z.array(z.string().trim().min(1).max(64)).max(10).default([]), next }),
  /** A task for the customer's guide (a callback); its words come from a guide_task template. `kind` absent = other. */
  z.object({
    ...base,
    type: z.literal('task'),
    template: code,
    dueDays: z.number().int().min(0).max(90).default(3),
    kind: z.enum(['callback', 'follow_up', 'birthday_call', 'other']).optional(),
    next,
  }),
  z.object({ ...base, type: z.literal('exit') }),
]);
export type Step = z.infer<typeof StepInput>;

export const GoalInput = z
  .object({
    /** The goal is a purchase (any order; or from the step's recommended categories later). */
    event: z.literal('order_placed').default('order_placed'),
    /** Days after entry the goal counts (and the holdout is compared over). */
    withinDays: z.number().int().min(1).max(365).default(30),
    /** Leave the journey when the goal happens (no more steps). */
    exitOnGoal: z.boolean().default(true),
  })
  .strict();

export const DefinitionInput = z
  .object({
    trigger: TriggerInput,
    audience: AudienceInput.default({}),
    /** The first step is where people enter. */
    steps: z.array(StepInput).min(1).max(100),
    goal: GoalInput.nullable().default({ event: 'order_placed', withinDays: 30, exitOnGoal: true }),
  })
  .superRefine((d, ctx) => {
    const ids = new Set<string>();
    d.steps.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id ${s.id} is used twice` });
      ids.add(s.id);
    });
    const check = (target: string | null | undefined, path: (string | number)[]) => {
      if (target && !ids.has(target)) ctx.addIssue({ code: 'custom', path, message: `no step ${target}` });
    };
    d.steps.forEach((s, i) => {
      if (s.type === 'branch') {
        s.branches.forEach((b, j) => check(b.next, ['steps', i, 'branches', j, 'next']));
        check(s.else, ['steps', i, 'else']);
      } else if (s.type !== 'exit') check(s.next, ['steps', i, 'next']);
      if (s.type === 'wait' && s.days === undefined && s.hours === undefined && s.minutes === undefined && s.until === undefined)
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'a wait needs days, hours, minutes or until' });
    });
  });
export type Definition = z.infer<typeof DefinitionInput>;

export const JourneyInput = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a code is 1–64 of A-Z a-z 0-9 _ -'),
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).optional(),
    kind: z.enum(['journey', 'campaign']).default('journey'),
    holdoutPercent: z.number().int().min(0).max(90).default(10),
    reentry: z.enum(['never', 'after_exit', 'cooldown']).default('never'),
    reentryDays: z.number().int().min(1).max(3650).optional(),
    blueprint: z.string().max(64).optional(),
    definition: DefinitionInput,
  })
  .strict();
export type NewJourney = z.infer<typeof JourneyInput>;
