import { formatMoney } from '../../../platform/money.js';
import { maskEmail, maskPhone } from '../../../platform/pii.js';
import { maskAddress } from '../../../platform/pii-policy.js';
import type { Customer360, CustomerSummary, DuplicateView, ListedCustomer, TimelineItem } from '../customers.service.js';

/**
 * API shapes of customer data. Callers without pii:read (marketers, analysts) see phones, emails
 * and names masked: they work with audiences, not contact details.
 */
export interface Viewer {
  /** The name in full (and every field, when the per-field flags below are absent). */
  pii: boolean;
  /** Per field, from the purpose-based policy (platform/pii-policy.ts viewerFor). */
  name?: boolean;
  phone?: boolean;
  email?: boolean;
  address?: boolean;
}

const shows = (v: Viewer, field: 'phone' | 'email' | 'address') => v[field] ?? v.pii;

/** 王芳 → 王*, Wang Fang → W*** */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return `${chars[0]}${/^[\u3400-\u9fff]/.test(name) ? '*'.repeat(chars.length - 1) : '***'}`;
}

const maybe = <T>(v: T | null, f: (x: T) => T, on: boolean) => (v === null || on ? v : f(v));

export function maskIdentifier(type: string, value: string, v: Viewer): string {
  if (type === 'phone') return shows(v, 'phone') ? value : maskPhone(value);
  if (type === 'email') return shows(v, 'email') ? value : maskEmail(value);
  return value;
}

export function summaryView(s: CustomerSummary, v: Viewer) {
  return {
    id: s.id,
    status: s.status,
    name: maybe(s.name, maskName, v.pii),
    gender: s.gender,
    birthday: s.birthday,
    city: s.city,
    tags: s.tags,
    phone: maybe(s.phone, maskPhone, shows(v, 'phone')),
    email: maybe(s.email, maskEmail, shows(v, 'email')),
    memberNo: s.memberNo,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
  };
}

/** A row of the console's customer list: the summary with the person's order figures. */
export function listedView(c: ListedCustomer, v: Viewer) {
  return {
    ...summaryView(c, v),
    memberSince: c.memberSince.toISOString(),
    orders: c.orders,
    netSpend: formatMoney(c.netSpendFen),
    firstOrderAt: iso(c.firstOrderAt),
    lastOrderAt: iso(c.lastOrderAt),
  };
}

const money = (fen: unknown) => (typeof fen === 'number' ? formatMoney(fen) : fen);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function timelineView(item: TimelineItem, v: Viewer) {
  const { at, ...rest } = item;
  const out: Record<string, unknown> = { ...rest, at: at.toISOString() };
  if (typeof item.linkType === 'string' && typeof item.linkValue === 'string') out.linkValue = maskIdentifier(item.linkType, item.linkValue, v);
  for (const [k, val] of Object.entries(item)) {
    if (k.endsWith('Fen')) {
      delete out[k];
      out[k.slice(0, -3)] = money(val);
    }
  }
  if (Array.isArray(item.lines)) {
    out.lines = (item.lines as Array<Record<string, unknown>>).map((l) => {
      const { paidFen, refundedFen, ...line } = l;
      return { ...line, paid: money(paidFen), refunded: money(refundedFen) };
    });
  }
  return out;
}

export function timelinePage(t: { items: TimelineItem[]; nextCursor: string | null }, v: Viewer) {
  return { items: t.items.map((i) => timelineView(i, v)), nextCursor: t.nextCursor };
}

export function customer360View(c: Customer360, v: Viewer) {
  const p = c.profile;
  const s = c.stats;
  return {
    id: p.id,
    requestedId: c.requestedId,
    ...(c.mergedInto ? { mergedInto: c.mergedInto } : {}),
    profile: {
      status: p.status,
      name: maybe(p.name, maskName, v.pii),
      gender: p.gender,
      birthday: p.birthday,
      city: p.city,
      incomeBand: p.incomeBand,
      occupation: p.occupation,
      familyStage: p.familyStage,
      address: maybe(p.address, maskAddress, shows(v, 'address')),
      tags: p.tags,
      attributes: p.attributes,
      source: p.source,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
      lastSeenAt: p.lastSeenAt.toISOString(),
    },
    identifiers: c.identifiers.map((i) => ({
      type: i.type,
      value: maskIdentifier(i.type, i.value, v),
      primary: i.primary,
      source: i.source,
      createdAt: i.createdAt.toISOString(),
      lastSeenAt: i.lastSeenAt.toISOString(),
    })),
    consents: {
      current: c.consents.current.map((k) => ({ ...k, recordedAt: k.recordedAt.toISOString() })),
      history: c.consents.history.map((k) => ({ ...k, recordedAt: k.recordedAt.toISOString() })),
    },
    stats: {
      firstOrderAt: iso(s.firstOrderAt),
      lastOrderAt: iso(s.lastOrderAt),
      orders: s.orders,
      gross: formatMoney(s.grossFen),
      refunded: formatMoney(s.refundedFen),
      netSpend: formatMoney(s.netSpendFen),
      averageOrderValue: s.averageOrderFen === null ? null : formatMoney(s.averageOrderFen),
      returns: s.returns,
      events: s.events,
      lastEventAt: iso(s.lastEventAt),
      channels: s.channels.map((x) => ({ channel: x.channel, orders: x.orders, netSpend: formatMoney(x.netSpendFen) })),
      favouriteCategories: s.favouriteCategories.map((x) => ({
        category: x.category,
        orders: x.orders,
        quantity: x.quantity,
        netSpend: formatMoney(x.netSpendFen),
      })),
      favouriteStores: s.favouriteStores.map((x) => ({
        storeCode: x.storeCode,
        name: x.name,
        city: x.city,
        orders: x.orders,
        netSpend: formatMoney(x.netSpendFen),
        lastVisitAt: x.lastVisitAt.toISOString(),
      })),
    },
    timeline: timelinePage(c.timeline, v),
  };
}

export function duplicateView(d: DuplicateView, v: Viewer) {
  return {
    id: d.id,
    reason: d.reason,
    score: d.score,
    createdAt: d.createdAt.toISOString(),
    customer: summaryView(d.customer, v),
    other: summaryView(d.other, v),
  };
}
