import type { FieldIssue } from '../../../platform/errors.js';
import { REF_IDENTIFIER_FIELDS, type CustomerRefInput } from '../customers.schemas.js';
import { normaliseIdentifier, type Identifier } from './identifiers.js';

/** Profile hints a record carries; they fill empty fields, never overwrite. */
export interface ProfileHints {
  name?: string | undefined;
  gender?: string | undefined;
  birthday?: string | undefined;
  city?: string | undefined;
}

export interface NormalisedRef {
  id?: string | undefined;
  identifiers: Identifier[];
  hints: ProfileHints;
}

const REASON: Record<string, string> = {
  phone: 'is not a valid phone number',
  email: 'is not a valid email address',
};

/**
 * Field-level problems of one ref (invalid phone, email, empty id), with paths under `prefix`
 * (`customer.phone`), so a batch can report them per item before anything is written.
 */
export function validateCustomerRef(ref: CustomerRefInput, defaultRegion: string, prefix = 'customer'): FieldIssue[] {
  return normaliseRef(ref, defaultRegion, prefix).issues;
}

export function normaliseRef(
  ref: CustomerRefInput,
  defaultRegion: string,
  prefix = 'customer',
): { ref: NormalisedRef; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const identifiers: Identifier[] = [];
  for (const [field, type] of Object.entries(REF_IDENTIFIER_FIELDS) as Array<[keyof typeof REF_IDENTIFIER_FIELDS, Identifier['type']]>) {
    const raw = ref[field];
    if (raw === undefined || raw.trim() === '') continue;
    const value = normaliseIdentifier(type, raw, defaultRegion);
    if (value === undefined) {
      issues.push({ path: prefix ? `${prefix}.${field}` : field, message: REASON[type] ?? 'is not a valid identifier' });
    } else {
      identifiers.push({ type, value });
    }
  }
  const hints: ProfileHints = {};
  if (ref.name) hints.name = ref.name;
  if (ref.gender && ref.gender !== 'unknown') hints.gender = ref.gender;
  if (ref.birthday) hints.birthday = ref.birthday;
  if (ref.city) hints.city = ref.city;
  return { ref: { id: ref.id, identifiers, hints }, issues };
}
