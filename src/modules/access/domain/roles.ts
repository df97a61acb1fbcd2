import { SCOPES, type Scope } from '../../../platform/http/auth.js';

export const ROLES = ['admin', 'marketer', 'analyst', 'store_manager', 'guide', 'service_agent'] as const;
export type Role = (typeof ROLES)[number];

const READ: Scope[] = ['customers:read', 'orders:read', 'events:read', 'catalog:read', 'loyalty:read', 'segments:read', 'insights:read', 'promotions:read', 'journeys:read', 'messaging:read', 'service:read', 'surveys:read', 'listening:read'];

/**
 * What each role may do. Marketers and analysts work with audiences and figures, not contact
 * details, so they see phones and emails masked (no pii:read).
 * Only administrators read the audit log (audit:read) and export a customer's data (privacy:admin).
 */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  admin: new Set(SCOPES),
  marketer: new Set([...READ, 'loyalty:admin', 'segments:write', 'segments:admin', 'insights:admin', 'promotions:write', 'promotions:admin', 'journeys:write', 'messaging:write', 'messaging:admin', 'surveys:write', 'listening:write', 'listening:admin']),
  analyst: new Set([...READ, 'segments:write', 'insights:admin']),
  store_manager: new Set([...READ, 'customers:write', 'customers:merge', 'orders:write', 'events:write', 'loyalty:write', 'promotions:write', 'messaging:write', 'service:write', 'service:approve', 'listening:write', 'pii:read']),
  guide: new Set([...READ, 'customers:write', 'events:write', 'loyalty:write', 'promotions:write', 'messaging:write', 'service:write', 'pii:read']),
  service_agent: new Set([...READ, 'customers:write', 'customers:merge', 'loyalty:write', 'promotions:write', 'messaging:write', 'service:write', 'surveys:write', 'listening:write', 'pii:read']),
};
