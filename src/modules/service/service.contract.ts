import type { Db } from '../../platform/db/database.js';

/**
 * What the parts of the service module (tickets, SLA, compensation) and the surveys module agree on. Tables:
 * db/service.schema.ts and ../surveys/db/surveys.schema.ts (migration 0026).
 */

export const TICKET_KINDS = ['complaint', 'inquiry', 'return_request', 'suggestion'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

/** Where a ticket came in: the API, the public web form link, email in, staff entry (at the till, by phone, on WeChat). */
export const TICKET_CHANNELS = ['api', 'web_form', 'email', 'staff', 'phone', 'wechat', 'app'] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

export const TICKET_STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
/** Statuses whose SLA clocks run (pending stops only the resolution clock). */
export const LIVE_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending'];

/** The seeds' three levels: minor (late delivery), medium (damaged product), severe (loss caused by quality). */
export const SEVERITIES = ['minor', 'medium', 'severe'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** SLA targets: acknowledged (received within 1 hour), first reply (within 24 hours), resolved (by severity). */
export const SLA_TARGETS = ['ack', 'first_reply', 'resolve'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** Events the module publishes on the bus (in the transaction that made the change). */
export const SERVICE_EVENTS = {
  /** {ticketId, customerId|null, kind, channel, severity|null} */
  created: 'service.ticket.created',
  /** {ticketId, customerId|null, resolvedAt} — journeys (complaint care) and surveys (after_ticket) listen. */
  resolved: 'service.ticket.resolved',
  /** {ticketId, target, dueAt, managerId|null} */
  breached: 'service.sla.breached',
  /** {ticketId, compensationId, customerId, totalFen} */
  compensated: 'service.compensation.executed',
} as const;

export interface TicketResolvedPayload {
  ticketId: string;
  customerId: string | null;
  resolvedAt: string;
}

/**
 * The SLA part, called by tickets after every change of a ticket's status or milestones (acked_at, first_replied_at,
 * resolved_at), in the same transaction. `refresh` is idempotent and derives everything from the row: it picks the
 * policy when `sla_policy_id` is null, sets ack/first-reply/resolve due instants from `received_at` in business
 * minutes, keeps the resolution clock's pause (status pending: `paused_at` set; leaving pending adds the business
 * minutes since `paused_at` to `paused_minutes` and moves `resolve_due_at` on), sets `next_due_at` to the earliest
 * unmet due instant (null when the ticket is resolved or closed) and `next_alert_at` to the earliest warning or breach
 * instant not yet raised (per `sla_warned` / `sla_breached`).
 */
export interface SlaPort {
  refresh(tx: Db, ticketIds: readonly string[], at: Date): Promise<void>;
}

/** A ticket's timeline entry, written by any part (tickets, SLA job, compensation, surveys). */
export interface TicketEventInput {
  ticketId: string;
  kind: string;
  visibility?: 'public' | 'internal' | 'system';
  actor: string;
  body?: string | null;
  detail?: Record<string, unknown>;
  at: Date;
}
