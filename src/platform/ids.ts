import { v3, v7 } from 'uuid';

/** Time-ordered ids (UUIDv7): index-friendly and sortable by creation. */
export function newId(): string {
  return v7();
}

/** The namespace of Kemai's derived (name-based, UUIDv3) ids. Fixed forever: changing it would change every derived id. */
export const KEMAI_ID_NAMESPACE = '6f1d2c4e-8b9a-5e3f-a1c7-0d4b2e9f7a15';

/**
 * The synthetic customer id of a guest sale (ADR 0014): a UUIDv3 (MD5, so PostgreSQL computes the same id with platform.guest_customer_id) of `guest:<channel>:<external id>`, so a sale without
 * a member still has a distribution key (Citus needs it NOT NULL), guest sales spread evenly over the shards, and the
 * same sale always gets the same id (a re-sent order, its return and its checkout land together). It never names a
 * row of customers.customers; rows carrying it are marked `guest`. Real customer ids are UUIDv7, so the two never meet.
 */
export function guestCustomerId(channel: string, externalId: string): string {
  return v3(`guest:${channel}:${externalId}`, KEMAI_ID_NAMESPACE);
}

/** True for an id made by guestCustomerId (version 3), false for a real customer id (version 7). */
export function isGuestCustomerId(id: string): boolean {
  return id.length === 36 && id[14] === '3';
}
