import { describe, expect, it } from 'vitest';
import { channelRanking, checkChannel, chooseChannel, type ConsentState, type CustomerFacts } from './channel.js';
import { DEFAULT_POLICY } from './policy.js';

const facts = (f: Partial<CustomerFacts> & { consent?: Record<string, ConsentState> }): CustomerFacts => ({
  addresses: f.addresses ?? {},
  consents: new Map(Object.entries(f.consent ?? {})),
  preferredChannel: f.preferredChannel,
  history: f.history ?? [],
  age: f.age,
});
const g = (at: number): ConsentState => ({ status: 'granted', at });
const w = (at: number): ConsentState => ({ status: 'withdrawn', at });

describe('channel checks and choice', () => {
  it('consent: the later of the channel’s own decision and all', () => {
    const base = { addresses: { sms: '+8613800138000' } };
    expect(checkChannel('sms', 'marketing', facts(base), 'opt_in')).toBe('no_consent');
    expect(checkChannel('sms', 'marketing', facts(base), 'opt_out')).toBe('ok');
    expect(checkChannel('sms', 'marketing', facts({ ...base, consent: { 'all|marketing': g(1) } }), 'opt_in')).toBe('ok');
    expect(checkChannel('sms', 'marketing', facts({ ...base, consent: { 'all|marketing': g(1), 'sms|marketing': w(2) } }), 'opt_in')).toBe('opted_out');
    expect(checkChannel('sms', 'marketing', facts({ ...base, consent: { 'all|marketing': w(1), 'sms|marketing': g(2) } }), 'opt_in')).toBe('ok');
    expect(checkChannel('sms', 'marketing', facts({ ...base, consent: { 'sms|marketing': w(1) } }), 'opt_out')).toBe('opted_out');
    expect(checkChannel('sms', 'service', facts({ ...base, consent: { 'sms|marketing': w(1) } }), 'opt_in')).toBe('ok');
    expect(checkChannel('sms', 'service', facts({ ...base, consent: { 'sms|service': w(1) } }), 'opt_in')).toBe('opted_out');
    expect(checkChannel('email', 'marketing', facts({ consent: { 'email|marketing': g(1) } }), 'opt_in')).toBe('no_address');
    expect(checkChannel('guide_task', 'marketing', facts({}), 'opt_in')).toBe('ok');
  });

  it('ranks by preference, history, age, policy order', () => {
    const all = ['sms', 'email', 'wechat', 'app_push'] as const;
    expect(channelRanking(all, facts({}), DEFAULT_POLICY.channelOrder)).toEqual(['wechat', 'app_push', 'sms', 'email']);
    expect(channelRanking(all, facts({ age: 60 }), DEFAULT_POLICY.channelOrder)).toEqual(['sms', 'wechat', 'app_push', 'email']);
    expect(channelRanking(all, facts({ age: 60, history: ['email'] }), DEFAULT_POLICY.channelOrder)).toEqual(['email', 'sms', 'wechat', 'app_push']);
    expect(channelRanking(all, facts({ age: 20, history: ['email'], preferredChannel: 'app_push' }), DEFAULT_POLICY.channelOrder)).toEqual([
      'app_push',
      'email',
      'wechat',
      'sms',
    ]);
    expect(channelRanking(['sms', 'email'], facts({ preferredChannel: 'wechat' }), DEFAULT_POLICY.channelOrder)).toEqual(['sms', 'email']);
  });

  it('auto takes the first channel that passes; none → the most specific reason', () => {
    const consent = { 'all|marketing': g(1) };
    expect(chooseChannel(['sms', 'email', 'wechat'], 'marketing', facts({ consent, addresses: { sms: 'p', email: 'e' } }), DEFAULT_POLICY)).toEqual({ channel: 'sms' });
    expect(chooseChannel(['sms', 'email'], 'marketing', facts({ addresses: { sms: 'p' } }), DEFAULT_POLICY)).toEqual({ reason: 'no_consent' });
    expect(chooseChannel(['sms', 'email'], 'marketing', facts({ consent: { 'sms|marketing': w(1) }, addresses: { sms: 'p' } }), DEFAULT_POLICY)).toEqual({
      reason: 'opted_out',
    });
    expect(chooseChannel(['sms', 'email'], 'marketing', facts({ consent }), DEFAULT_POLICY)).toEqual({ reason: 'no_address' });
  });
});
