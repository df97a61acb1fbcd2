import type { BlockReason, Channel, Purpose } from '../messaging.contract.js';

/**
 * Consent, address and the channel choice for one message. Pure: the facts are loaded set-based by prepare.ts.
 */

/** A consent decision as stored (customers.consents), the latest per (channel, purpose). */
export interface ConsentState {
  status: 'granted' | 'withdrawn';
  at: number;
}

export interface CustomerFacts {
  /** Address per channel (phone, email, openid, device, home store). */
  addresses: Partial<Record<Channel, string>>;
  /** Latest consent per `${channel}|${purpose}` (channel may be `all`). */
  consents: ReadonlyMap<string, ConsentState>;
  preferredChannel: string | undefined;
  /** Channels with a delivered / opened / clicked message in the last 180 days, most recent first. */
  history: readonly Channel[];
  age: number | undefined;
}

export type ChannelVerdict = 'ok' | 'no_address' | 'no_consent' | 'opted_out';

/** The decision in force for a channel and purpose: the later of the channel's own and the `all` one. */
export function consentFor(consents: ReadonlyMap<string, ConsentState>, channel: Channel, purpose: Purpose): ConsentState | undefined {
  const own = consents.get(`${channel}|${purpose}`);
  const all = consents.get(`all|${purpose}`);
  if (!own) return all;
  if (!all) return own;
  return all.at > own.at ? all : own;
}

/**
 * May this message go through this channel? guide_task needs no consent (a task for the store's guide). Marketing
 * needs a granted consent (opt_in) or no withdrawal (opt_out); service messages need none, but a withdrawn service
 * consent for the channel (or all) stops them. The address is checked last, so a customer who said no is reported
 * as such even without an address.
 */
export function checkChannel(channel: Channel, purpose: Purpose, facts: CustomerFacts, model: 'opt_in' | 'opt_out'): ChannelVerdict {
  if (channel !== 'guide_task') {
    const c = consentFor(facts.consents, channel, purpose);
    if (c?.status === 'withdrawn') return 'opted_out';
    if (purpose === 'marketing' && model === 'opt_in' && c?.status !== 'granted') return 'no_consent';
  }
  if (channel === 'guide_task') return 'ok';
  return facts.addresses[channel] ? 'ok' : 'no_address';
}

/** Most specific first: the customer said no, then never said yes, then we cannot reach them. */
const SPECIFICITY: Record<Exclude<ChannelVerdict, 'ok'>, number> = { opted_out: 3, no_consent: 2, no_address: 1 };

/**
 * The order in which `auto` tries channels: the customer's stated preference, then the channels they engaged with
 * lately (most recent first), then by age (under 35: WeChat first; 55 and over: SMS first), then the policy's order.
 */
export function channelRanking(candidates: readonly Channel[], facts: CustomerFacts, policyOrder: readonly Channel[]): Channel[] {
  const ranked: Channel[] = [];
  const add = (c: string | undefined) => {
    if (c && (candidates as readonly string[]).includes(c) && !ranked.includes(c as Channel)) ranked.push(c as Channel);
  };
  add(facts.preferredChannel);
  for (const c of facts.history) add(c);
  if (facts.age !== undefined) {
    if (facts.age < 35) add('wechat');
    else if (facts.age >= 55) add('sms');
  }
  for (const c of policyOrder) add(c);
  for (const c of candidates) add(c);
  return ranked;
}

/** `auto`: the first channel of the ranking that passes the checks; none → the most specific reason. */
export function chooseChannel(
  candidates: readonly Channel[],
  purpose: Purpose,
  facts: CustomerFacts,
  policy: { consent: 'opt_in' | 'opt_out'; channelOrder: readonly Channel[] },
): { channel: Channel } | { reason: BlockReason } {
  let worst: Exclude<ChannelVerdict, 'ok'> | undefined;
  for (const c of channelRanking(candidates, facts, policy.channelOrder)) {
    const v = checkChannel(c, purpose, facts, policy.consent);
    if (v === 'ok') return { channel: c };
    if (!worst || SPECIFICITY[v] > SPECIFICITY[worst]) worst = v;
  }
  return { reason: worst ?? 'no_address' };
}
