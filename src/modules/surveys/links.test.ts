import { describe, expect, it } from 'vitest';
import { unsubscribeToken } from '../messaging/index.js';
import { daytimeSlot, draw, periodOf } from './invitations.service.js';
import { SurveyLinks, signInvitation, surveyKey, verifyInvitationToken } from './links.js';
import { localDate } from '../../platform/clock.js';

const ID = '0193f2a4-5b6c-7d8e-9f01-23456789abcd';
const links = new SurveyLinks({ publicUrl: 'https://kemai.example/', secret: 's3cret' });

describe('survey links', () => {
  it('signs the invitation id and verifies it back', () => {
    const token = links.token(ID);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(links.url(ID)).toBe(`https://kemai.example/s/${token}`);
    expect(links.verify(token)).toBe(ID);
    expect(token).toBe(signInvitation(ID, surveyKey('s3cret')));
  });

  it('refuses a token changed in any character, another secret, another spelling or another purpose', () => {
    const token = links.token(ID);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const other = alphabet[(alphabet.indexOf(token[i]!) + 1) % alphabet.length]!;
      expect(links.verify(token.slice(0, i) + other + token.slice(i + 1)), `char ${i}`).toBeUndefined();
    }
    expect(new SurveyLinks({ publicUrl: 'x', secret: 'other' }).verify(token)).toBeUndefined();
    expect(verifyInvitationToken(`${token}=`, surveyKey('s3cret'))).toBeUndefined();
    expect(links.verify(`${token}.x`)).toBeUndefined();
    expect(links.verify(token.split('.')[0]!)).toBeUndefined();
    expect(links.verify('')).toBeUndefined();
    // An unsubscribe token made with the same secret is no survey token.
    expect(links.verify(unsubscribeToken(ID, 'sms', 's3cret'))).toBeUndefined();
    // The id signed with the raw secret (not the derived key) does not verify either.
    expect(verifyInvitationToken(token, Buffer.from('s3cret'))).toBeUndefined();
  });
});

describe('daytime slots', () => {
  const tz = 'Asia/Shanghai';
  it('lands 3–5 days after the resolution at a daytime minute, the same for the same ticket', () => {
    const resolved = new Date('2026-03-02T23:30:00+08:00');
    for (let i = 0; i < 300; i++) {
      const key = `ticket-${i}`;
      const at = daytimeSlot(new Date(resolved.getTime() + 3 * 86_400_000), new Date(resolved.getTime() + 5 * 86_400_000), key, tz);
      const days = (at.getTime() - resolved.getTime()) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(3);
      expect(days).toBeLessThanOrEqual(5);
      const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', hourCycle: 'h23' }).format(at));
      expect(hour).toBeGreaterThanOrEqual(10);
      expect(hour).toBeLessThan(20);
      expect(at.getUTCSeconds()).toBe(0);
      expect(daytimeSlot(new Date(resolved.getTime() + 3 * 86_400_000), new Date(resolved.getTime() + 5 * 86_400_000), key, tz).getTime()).toBe(at.getTime());
    }
    expect(draw('a')).toBe(draw('a'));
    expect(draw('a')).not.toBe(draw('b'));
  });

  it('periods: month and quarter in the business time zone', () => {
    const at = new Date('2026-09-30T17:00:00Z'); // 1 October 01:00 in Shanghai
    expect(localDate(at, tz)).toBe('2026-10-01');
    expect(periodOf(at, 'month', tz)).toBe('2026-10');
    expect(periodOf(at, 'quarter', tz)).toBe('2026-Q4');
    expect(periodOf(at, 'quarter', 'UTC')).toBe('2026-Q3');
  });
});
