import type { Principal } from './http/auth.js';

/**
 * Purpose-based masking of personal data (PIPL art. 6, GDPR art. 5(1)(c): only what the purpose needs). Every screen or
 * API that shows a person names WHY it shows them (its purpose); the caller's role and that purpose decide, field by
 * field, whether the value is shown in full or masked (王芳 → 王*, 13800138000 → 138****8000, w***@example.com,
 * 上海市徐汇区*** ). Unmasked values for anything else are only in the data subject export (privacy:admin).
 *
 * Keys given scopes one by one (integrations, no role) keep the older rule: everything in full with `pii:read`,
 * everything masked without it.
 */
export const PII_FIELDS = ['name', 'phone', 'email', 'address'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

export const PURPOSES = [
  /** Looking after a known customer: the 360, the customer list, a guide's book and tasks. */
  'clienteling',
  /** Answering a ticket or a complaint. */
  'service',
  /** Delivering or handing over an order, a return, a replacement. */
  'fulfilment',
  /** Audiences, journeys, the message log, template previews: people as members of a campaign. */
  'marketing',
  /** Reports and models: people as rows of figures. */
  'analytics',
] as const;
export type Purpose = (typeof PURPOSES)[number];

type Rule = Partial<Record<Purpose, readonly PiiField[]>>;
const ALL = PII_FIELDS;

/** Role × purpose → the fields shown in full. Anything not listed is masked. */
export const PII_POLICY: Readonly<Record<string, Rule>> = {
  admin: { clienteling: ALL, service: ALL, fulfilment: ALL, marketing: ALL, analytics: ALL },
  // A store manager calls and meets customers and settles complaints; delivery addresses only for fulfilment and service.
  store_manager: {
    clienteling: ['name', 'phone', 'email'],
    service: ALL,
    fulfilment: ['name', 'phone', 'address'],
  },
  // A guide calls or messages their customers; they see an address only to deliver or collect an order.
  guide: {
    clienteling: ['name', 'phone'],
    service: ['name', 'phone'],
    fulfilment: ['name', 'phone', 'address'],
  },
  // The service desk answers by phone and email and ships replacements.
  service_agent: {
    clienteling: ['name', 'phone', 'email'],
    service: ALL,
    fulfilment: ['name', 'phone', 'address'],
  },
  // Marketers and analysts work with audiences and figures, never with contact details.
  marketer: {},
  analyst: {},
};

/** What a caller sees of each field for a purpose: true = in full, false = masked. `pii` = the name in full (older views). */
export interface FieldViewer {
  pii: boolean;
  name: boolean;
  phone: boolean;
  email: boolean;
  address: boolean;
}

export function viewerFor(principal: Principal | undefined, purpose: Purpose): FieldViewer {
  let shown: ReadonlySet<PiiField>;
  if (!principal) shown = new Set();
  else if (principal.role && PII_POLICY[principal.role]) shown = new Set(PII_POLICY[principal.role]![purpose] ?? []);
  else shown = principal.scopes.has('pii:read') ? new Set(ALL) : new Set();
  return { pii: shown.has('name'), name: shown.has('name'), phone: shown.has('phone'), email: shown.has('email'), address: shown.has('address') };
}

/** 上海市徐汇区漕溪北路 88 号 → 上海市徐汇区***; 12 Baker Street, London → 12***: the start kept (city, district), the rest hidden. */
export function maskAddress(address: string): string {
  const chars = [...address.trim()];
  if (!chars.length) return '';
  const district = /^(.{2,}?[省市])?(.{1,}?[市州盟])?(.{1,}?[区县旗])/u.exec(address.trim());
  if (district && /[\u3400-\u9fff]/u.test(address)) return `${district[0]}***`;
  return `${chars.slice(0, Math.min(3, Math.ceil(chars.length / 4))).join('')}***`;
}
