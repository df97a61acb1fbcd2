import { z } from 'zod';
import { calendarIssues } from './domain/business-time.js';
import { SEVERITIES, TICKET_CHANNELS, TICKET_KINDS } from './service.contract.js';

/**
 * The SLA contract: service calendars (business hours, holidays, make-up working days) and SLA policies. Every schema
 * here is the API's validation and the OpenAPI document's; a bad calendar is refused naming its field
 * (`week.1.0.0`, `holidays.3`, `timeZone`), see domain/business-time.ts.
 */

const SlaCode = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and - (up to 64)');

const Interval = z.tuple([z.string(), z.string()]).describe('["HH:MM", "HH:MM"] wall-clock time; "24:00" may end a day');
const Intervals = z.array(Interval).max(12);
const DateText = z.string().describe('YYYY-MM-DD');

const CalendarFields = {
  name: z.string().trim().min(1).max(120),
  timeZone: z.string().trim().min(1).max(64).describe('IANA time zone, e.g. Asia/Shanghai'),
  week: z.record(z.string(), Intervals).describe('ISO weekday 1 (Monday) … 7 (Sunday) → open intervals, sorted and not overlapping; a missing day is closed'),
  holidays: z.array(DateText).max(2000).describe('Closed dates'),
  workdays: z.array(DateText).max(500).describe('Make-up working days (调休): open with workdayHours whatever their weekday'),
  workdayHours: Intervals.nullable().describe("A make-up day's hours (null: Monday's)"),
};

/** Adds the calendar's field issues (paths relative to the object). */
function checkCalendar(value: Record<string, unknown>, ctx: z.RefinementCtx) {
  for (const issue of calendarIssues(value)) {
    if (issue.path === 'week' && value.week === undefined) continue;
    ctx.addIssue({ code: 'custom', path: issue.path === '(root)' ? [] : issue.path.split('.'), message: issue.message });
  }
}

export const CalendarInput = z
  .object({
    code: SlaCode,
    ...CalendarFields,
    holidays: CalendarFields.holidays.default([]),
    workdays: CalendarFields.workdays.default([]),
    workdayHours: CalendarFields.workdayHours.optional(),
  })
  .strict()
  .superRefine((v, ctx) => checkCalendar(v, ctx));
export type CalendarInput = z.output<typeof CalendarInput>;

/** A change of a calendar: the result is checked whole (a new workday may not be one of the holidays kept). */
export const CalendarPatch = z
  .object({
    name: CalendarFields.name.optional(),
    timeZone: CalendarFields.timeZone.optional(),
    week: CalendarFields.week.optional(),
    holidays: CalendarFields.holidays.optional(),
    workdays: CalendarFields.workdays.optional(),
    workdayHours: CalendarFields.workdayHours.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    // What can be checked alone; the merged calendar is checked again by the service.
    const issues = calendarIssues({ timeZone: v.timeZone ?? 'UTC', week: v.week ?? { 1: [['00:00', '24:00']] }, holidays: v.holidays ?? [], workdays: v.workdays ?? [], workdayHours: v.workdayHours });
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path.split('.'), message: issue.message });
  });
export type CalendarPatch = z.output<typeof CalendarPatch>;

const Minutes = z.number().int().min(1).max(525_600).describe('Business minutes (at most a year)');

/** What tickets a policy applies to: each list given must contain the ticket's value; an empty object matches all. */
export const AppliesTo = z
  .object({
    kinds: z.array(z.enum(TICKET_KINDS)).min(1).optional(),
    categories: z.array(z.string().trim().min(1).max(64)).min(1).max(200).optional(),
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    channels: z.array(z.enum(TICKET_CHANNELS)).min(1).optional(),
  })
  .strict();
export type AppliesTo = z.output<typeof AppliesTo>;

/** Resolution targets by severity; `default` for tickets without one (inquiries, suggestions) or a severity not listed. */
export const ResolveMinutes = z
  .object({ minor: Minutes.optional(), medium: Minutes.optional(), severe: Minutes.optional(), default: Minutes.optional() })
  .strict()
  .refine((v) => Object.values(v).some((m) => m !== undefined), { message: 'needs at least one of minor, medium, severe, default' });
export type ResolveMinutes = z.output<typeof ResolveMinutes>;

const PolicyFields = {
  name: z.string().trim().min(1).max(120),
  status: z.enum(['active', 'archived']),
  priority: z.number().int().min(0).max(10_000).describe('Lower is tried first'),
  appliesTo: AppliesTo,
  calendar: SlaCode.nullable().describe('The calendar code whose business minutes the targets count (null: around the clock)'),
  ackMinutes: Minutes.describe('Acknowledge (received) within'),
  firstReplyMinutes: Minutes.describe('First reply within'),
  resolveMinutes: ResolveMinutes,
  warnPercent: z.number().int().min(1).max(99).describe('Warn when this share of a target’s time is used'),
};

export const PolicyInput = z
  .object({
    code: SlaCode,
    name: PolicyFields.name,
    status: PolicyFields.status.default('active'),
    priority: PolicyFields.priority.default(100),
    appliesTo: PolicyFields.appliesTo.default({}),
    calendar: PolicyFields.calendar.default(null),
    ackMinutes: PolicyFields.ackMinutes,
    firstReplyMinutes: PolicyFields.firstReplyMinutes,
    resolveMinutes: PolicyFields.resolveMinutes,
    warnPercent: PolicyFields.warnPercent.default(75),
  })
  .strict();
export type PolicyInput = z.output<typeof PolicyInput>;

export const PolicyPatch = z
  .object({
    name: PolicyFields.name.optional(),
    status: PolicyFields.status.optional(),
    priority: PolicyFields.priority.optional(),
    appliesTo: PolicyFields.appliesTo.optional(),
    calendar: PolicyFields.calendar.optional(),
    ackMinutes: PolicyFields.ackMinutes.optional(),
    firstReplyMinutes: PolicyFields.firstReplyMinutes.optional(),
    resolveMinutes: PolicyFields.resolveMinutes.optional(),
    warnPercent: PolicyFields.warnPercent.optional(),
  })
  .strict();
export type PolicyPatch = z.output<typeof PolicyPatch>;

export const PreviewInput = z
  .object({
    from: z.iso.datetime({ offset: true }).describe('The start instant (e.g. when a ticket was received)'),
    minutes: z.number().int().min(0).max(525_600).describe('Business minutes to add'),
  })
  .strict();
export type PreviewInput = z.output<typeof PreviewInput>;
