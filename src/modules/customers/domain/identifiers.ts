import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export const IDENTIFIER_TYPES = [
  'phone',
  'email',
  'member_no',
  'wechat_openid',
  'wechat_unionid',
  'ecom_user_id',
  'pos_card',
  'device_id',
  'anonymous_id',
] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/** Identifiers of a browser or device rather than a person: alone they name a visitor. */
export const ANONYMOUS_IDENTIFIER_TYPES: ReadonlySet<string> = new Set<IdentifierType>(['anonymous_id', 'device_id']);

export interface Identifier {
  type: IdentifierType;
  value: string;
}

/** Entries the phone memo holds before it starts over. */
export const PHONE_MEMO_LIMIT = 50_000;
const phoneMemo = new Map<string, string | null>();

/**
 * Phone → E.164 (+86 by default for national numbers); undefined when it is not a valid number.
 * An order's phone is normalised more than once (validated with the order, then resolved), so
 * answers are memoised: later passes are a map lookup. Cleared when full, which bounds memory
 * while a feed's recurring numbers come back into it quickly.
 */
export function normalisePhone(input: string, defaultRegion = 'CN'): string | undefined {
  // Longer text is no phone number (search queries pass through here): not worth a slot.
  if (input.length > 64) return parsePhone(input, defaultRegion);
  const key = `${defaultRegion}:${input}`;
  const known = phoneMemo.get(key);
  if (known !== undefined) return known ?? undefined;
  const phone = parsePhone(input, defaultRegion);
  if (phoneMemo.size >= PHONE_MEMO_LIMIT) phoneMemo.clear();
  phoneMemo.set(key, phone ?? null);
  return phone;
}

function parsePhone(input: string, defaultRegion: string): string | undefined {
  const cleaned = input.trim().replace(/[\s()-]/g, '');
  if (!cleaned) return undefined;
  const withPlus = cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : cleaned;
  const mobile = CN_MOBILE.exec(withPlus);
  if (mobile && (withPlus.startsWith('+') || defaultRegion === 'CN')) return chineseMobile(mobile[1]!);
  return fullParse(withPlus, defaultRegion);
}

function fullParse(text: string, defaultRegion: string): string | undefined {
  const parsed = parsePhoneNumberFromString(text, defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}

const CN_MOBILE = /^(?:\+86)?(1\d{10})$/;
const mobileBlocks = new Map<string, boolean>();

/**
 * Full validation costs ~0.1 ms a number, which dominates a 1,000-order batch. A Chinese mobile
 * number's validity depends only on its leading digits (the metadata pattern is a prefix of at
 * most five digits then \d{6}), so one full check per 7-digit block (号段) answers for all of it.
 */
function chineseMobile(national: string): string | undefined {
  const block = national.slice(0, 7);
  let valid = mobileBlocks.get(block);
  if (valid === undefined) {
    if (mobileBlocks.size > 100_000) mobileBlocks.clear();
    valid = fullParse(`+86${national}`, 'CN') !== undefined;
    mobileBlocks.set(block, valid);
  }
  return valid ? `+86${national}` : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(input: string): string | undefined {
  const e = input.trim().toLowerCase();
  return EMAIL.test(e) ? e : undefined;
}

/** Other identifiers are opaque ids: trimmed, case kept (WeChat ids are case-sensitive). */
export function normaliseOpaque(input: string): string | undefined {
  const v = input.trim();
  return v.length > 0 && v.length <= 200 ? v : undefined;
}

export function normaliseIdentifier(type: IdentifierType, raw: string, defaultRegion = 'CN'): string | undefined {
  switch (type) {
    case 'phone':
      return normalisePhone(raw, defaultRegion);
    case 'email':
      return normaliseEmail(raw);
    case 'member_no':
    case 'pos_card':
      return normaliseOpaque(raw)?.toUpperCase();
    default:
      return normaliseOpaque(raw);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Customer ids are UUIDs; anything else names no customer (and must not reach a uuid cast). */
export const isUuid = (s: string) => UUID.test(s);
