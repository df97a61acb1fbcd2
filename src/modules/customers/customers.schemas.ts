import { z } from 'zod';
import { instant } from '../../platform/schemas.js';

/**
 * How a record (order, event, profile upsert) names its person: any identifiers it has, plus
 * profile hints used to fill a new or incomplete profile. A ref without identifiers is a guest.
 */
export const CustomerRefInput = z.object({
  id: z.uuid().optional().describe('A Kemai customer id, when the sender already knows it'),
  phone: z.string().max(40).optional(),
  email: z.string().max(320).optional(),
  memberNo: z.string().max(100).optional(),
  wechatOpenid: z.string().max(200).optional(),
  wechatUnionid: z.string().max(200).optional(),
  ecomUserId: z.string().max(200).optional(),
  posCard: z.string().max(100).optional(),
  deviceId: z.string().max(200).optional(),
  anonymousId: z.string().max(200).optional(),
  name: z.string().trim().max(100).optional(),
  gender: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  birthday: z.iso.date().optional(),
  city: z.string().trim().max(100).optional(),
});
export type CustomerRefInput = z.output<typeof CustomerRefInput>;

/** Field of CustomerRefInput → identifier type. */
export const REF_IDENTIFIER_FIELDS = {
  phone: 'phone',
  email: 'email',
  memberNo: 'member_no',
  wechatOpenid: 'wechat_openid',
  wechatUnionid: 'wechat_unionid',
  ecomUserId: 'ecom_user_id',
  posCard: 'pos_card',
  deviceId: 'device_id',
  anonymousId: 'anonymous_id',
} as const;

export const CONSENT_CHANNELS = ['sms', 'email', 'wechat', 'app_push', 'phone', 'all'] as const;
export const CONSENT_PURPOSES = ['marketing', 'service', 'analytics', 'profiling'] as const;

/** One consent decision; history is append-only and the latest per (channel, purpose) is current. */
export const ConsentInput = z.object({
  channel: z.enum(CONSENT_CHANNELS),
  purpose: z.enum(CONSENT_PURPOSES),
  status: z.enum(['granted', 'withdrawn']),
  /** Where the decision was captured: 'pos', 'miniprogram', 'web_form', … (default: the API caller). */
  source: z.string().trim().min(1).max(100).optional(),
  /** When the customer decided (default now); a local date-time is read in the business zone. */
  recordedAt: instant.optional(),
});
export type ConsentInput = z.output<typeof ConsentInput>;

/**
 * A profile upsert: identifiers find (or create) the profile, attributes given here replace the
 * stored ones (unlike the hints on an order, which only fill empty fields).
 */
export const CustomerUpsertInput = CustomerRefInput.extend({
  incomeBand: z.string().trim().max(50).optional(),
  occupation: z.string().trim().max(100).optional(),
  familyStage: z.string().trim().max(50).optional(),
  /** Postal address, one line (personal data: shown in full only where the caller's role and the purpose need it). */
  address: z.string().trim().max(300).optional(),
  /** Replaces the profile's tags. */
  tags: z.array(z.string().trim().min(1).max(50)).max(100).optional(),
  /** Merged into the profile's attributes (keys given here win). */
  attributes: z.record(z.string(), z.unknown()).optional(),
  consents: z.array(ConsentInput).max(50).optional(),
}).refine((c) => c.id !== undefined || Object.keys(REF_IDENTIFIER_FIELDS).some((f) => c[f as keyof typeof REF_IDENTIFIER_FIELDS]?.trim()), {
  // Reported on `phone`, the usual identifier, so batch errors keep a field path (`items.3.phone`).
  path: ['phone'],
  message: 'needs an id or at least one identifier (phone, email, memberNo, wechatOpenid, wechatUnionid, ecomUserId, posCard, deviceId, anonymousId)',
});
export type CustomerUpsertInput = z.output<typeof CustomerUpsertInput>;
