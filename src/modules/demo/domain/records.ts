import type { z } from 'zod';
import type { ProductInput, StoreInput } from '../../catalog/index.js';
import type { CustomerRefInput } from '../../customers/index.js';
import type { OrderInput, ReturnInput } from '../../orders/index.js';
import type { EventInput } from '../../activity/index.js';
import type { DemoChannel } from './calendar.js';
import type { FamilyStage, IncomeBand } from './people.data.js';

/**
 * The demo speaks the partner contract: records are what a POS, the online shop and the
 * mini-program would send (amounts as decimal strings, local times with offsets), so seeding runs
 * through the same validation and resolution as real feeds.
 */
export type StoreRecord = z.input<typeof StoreInput>;
export type ProductRecord = z.input<typeof ProductInput>;
export type CustomerRefRecord = z.input<typeof CustomerRefInput>;
export type OrderRecord = z.input<typeof OrderInput>;
export type ReturnRecord = z.input<typeof ReturnInput>;
export type EventRecord = z.input<typeof EventInput>;

/** A membership sign-up (会员注册): identifiers, profile attributes and consents. */
export interface MemberRecord {
  customer: CustomerRefRecord;
  profile: {
    incomeBand?: IncomeBand;
    occupation?: string;
    familyStage?: FamilyStage;
    tags: string[];
    attributes: Record<string, string | number | boolean>;
  };
  consents: Array<{ channel: 'sms' | 'email' | 'wechat'; purpose: 'marketing'; status: 'granted' | 'withdrawn'; recordedAt: string }>;
  registeredAt: string;
  channel: DemoChannel;
  storeCode?: string;
}

export interface PersonStats {
  people: number;
  members: number;
  lookalikes: number;
  orders: number;
  guestOrders: number;
  lines: number;
  returns: number;
  events: number;
  anonymousEvents: number;
  /** Golden profiles these records resolve to: connected components over strong identifiers. */
  expectedProfiles: number;
}

export interface PersonOutput {
  members: MemberRecord[];
  orders: OrderRecord[];
  returns: ReturnRecord[];
  events: EventRecord[];
  stats: PersonStats;
}

export const emptyStats = (): PersonStats => ({
  people: 0,
  members: 0,
  lookalikes: 0,
  orders: 0,
  guestOrders: 0,
  lines: 0,
  returns: 0,
  events: 0,
  anonymousEvents: 0,
  expectedProfiles: 0,
});

export function addStats(into: PersonStats, from: PersonStats): void {
  for (const k of Object.keys(into) as Array<keyof PersonStats>) into[k] += from[k];
}
