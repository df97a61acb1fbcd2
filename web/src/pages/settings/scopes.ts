import type { TFunction } from 'i18next';

/** Scopes grouped the way a person thinks of them; a scope a later module adds lands in "other" until it is placed. */
export const SCOPE_GROUPS: { group: string; scopes: string[] }[] = [
  { group: 'customers', scopes: ['customers:read', 'pii:read', 'customers:write', 'customers:merge'] },
  { group: 'sales', scopes: ['orders:read', 'orders:write', 'events:read', 'events:write'] },
  { group: 'loyalty', scopes: ['loyalty:read', 'loyalty:write', 'loyalty:admin'] },
  { group: 'segments', scopes: ['segments:read', 'segments:write', 'segments:admin'] },
  { group: 'insights', scopes: ['insights:read', 'insights:admin'] },
  { group: 'promotions', scopes: ['promotions:read', 'promotions:write', 'promotions:admin'] },
  { group: 'journeys', scopes: ['journeys:read', 'journeys:write', 'messaging:read', 'messaging:write', 'messaging:admin'] },
  { group: 'service', scopes: ['service:read', 'service:write', 'service:approve', 'service:admin', 'surveys:read', 'surveys:write'] },
  { group: 'listening', scopes: ['listening:read', 'listening:write', 'listening:admin'] },
  { group: 'data', scopes: ['catalog:read', 'catalog:write', 'imports:write'] },
  { group: 'admin', scopes: ['staff:admin', 'apikeys:admin', 'audit:read', 'privacy:admin'] },
];

/** The scopes the API knows, in SCOPE_GROUPS order, with any unplaced ones in an "other" group. */
export function groupScopes(known: readonly string[]): { group: string; scopes: string[] }[] {
  const placed = new Set(SCOPE_GROUPS.flatMap((g) => g.scopes));
  const groups = SCOPE_GROUPS.map((g) => ({ group: g.group, scopes: g.scopes.filter((s) => known.includes(s)) }));
  const other = known.filter((s) => !placed.has(s));
  return [...groups, ...(other.length ? [{ group: 'other', scopes: other }] : [])].filter((g) => g.scopes.length);
}

/** i18next reads ':' as a namespace separator, so `orders:read` is looked up as `orders_read`. */
export const scopeLabel = (t: TFunction, scope: string) => t(`settings.scopes.${scope.replace(':', '_')}`, { defaultValue: scope });
