import type { ConsentState } from './channel.js';

/** What a guide task is about. Callbacks and birthday calls are phone contact; follow-ups and others are not. */
export const TASK_KINDS = ['callback', 'follow_up', 'birthday_call', 'other'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** How a completed task went. */
export const TASK_OUTCOMES = ['reached', 'no_answer', 'declined', 'wrong_number', 'done'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** The reason written on phone tasks cancelled because the customer opted out of phone contact. */
export const CONSENT_WITHDRAWN = 'consent_withdrawn';

export const isTaskKind = (v: unknown): v is TaskKind => typeof v === 'string' && (TASK_KINDS as readonly string[]).includes(v);

/**
 * The consent purposes a phone task needs (none for kinds that are not phone contact): a callback is a service call,
 * so a withdrawn service decision for phone stops it; a birthday call is marketing, stopped by a withdrawn marketing
 * decision and also by a withdrawn service one (a customer who asked not to be called about service is not called
 * to say happy birthday either).
 */
export function phonePurposes(kind: TaskKind): ReadonlyArray<'marketing' | 'service'> {
  if (kind === 'callback') return ['service'];
  if (kind === 'birthday_call') return ['marketing', 'service'];
  return [];
}

/**
 * Has the customer opted out of the phone contact this kind of task means? The decision in force per purpose is the
 * later of the `phone` one and the `all` one (as for messages), from the latest consents keyed `${channel}|${purpose}`.
 */
export function phoneOptedOut(consents: ReadonlyMap<string, ConsentState>, kind: TaskKind): boolean {
  return phonePurposes(kind).some((purpose) => {
    const own = consents.get(`phone|${purpose}`);
    const all = consents.get(`all|${purpose}`);
    const inForce = !own ? all : !all ? own : all.at > own.at ? all : own;
    return inForce?.status === 'withdrawn';
  });
}
