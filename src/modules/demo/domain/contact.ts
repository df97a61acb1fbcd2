import { DEMO_STORES } from './catalog.data.js';
import { hash32 } from './random.js';
import type { MemberRecord } from './records.js';

/** km per degree of latitude on the mean Earth sphere (R = 6371.0088 km). */
const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;
const unit = (text: string) => hash32(text) / 2 ** 32;

/**
 * What the demo's members' apps and mini-program would have told the profile (deterministic per member, no draw from
 * the person's stream, so the generated records stay as they are):
 * - `location` {lat, lng, source}: half of the members who signed up in a store, and a third of the mini-program ones
 *   (near a store of the brand picked by the member), are placed 0.3–5 km from that store in some direction — most
 *   within the 3 km of the offers that name nearby stores, some beyond;
 * - `preferredChannel`: about a quarter state one — WeChat for the young personas who use the mini-program, SMS for
 *   seniors, otherwise email when they gave an address, else SMS.
 */
export function contactAttributes(m: MemberRecord): Record<string, unknown> {
  const key = String(m.customer.memberNo ?? m.customer.phone ?? m.customer.email ?? m.registeredAt);
  const out: Record<string, unknown> = {};
  const home = m.storeCode
    ? DEMO_STORES.find((s) => s.code === m.storeCode)
    : m.channel === 'miniprogram'
      ? DEMO_STORES[hash32(`store:${key}`) % DEMO_STORES.length]
      : undefined;
  if (home && unit(`location:${key}`) < (m.storeCode ? 0.5 : 0.35)) {
    const km = 0.3 + unit(`km:${key}`) * 4.7;
    const bearing = unit(`bearing:${key}`) * 2 * Math.PI;
    const lat = home.lat + (km * Math.cos(bearing)) / KM_PER_DEGREE;
    const lng = home.lng + (km * Math.sin(bearing)) / (KM_PER_DEGREE * Math.cos((home.lat * Math.PI) / 180));
    out.location = { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6, source: m.channel === 'miniprogram' ? 'miniprogram' : 'app' };
  }
  if (unit(`preferred:${key}`) < 0.25) {
    const persona = m.profile.attributes.demoPersona;
    const wechat = m.consents.some((c) => c.channel === 'wechat');
    const email = m.consents.some((c) => c.channel === 'email');
    out.preferredChannel =
      (persona === 'student' || persona === 'social_sharer' || persona === 'new_mother') && wechat ? 'wechat' : persona === 'senior' ? 'sms' : email ? 'email' : wechat ? 'wechat' : 'sms';
  }
  return out;
}
