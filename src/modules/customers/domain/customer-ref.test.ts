import { describe, expect, it } from 'vitest';
import { normaliseRef, validateCustomerRef } from './customer-ref.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { PHONE_MEMO_LIMIT, normaliseIdentifier, normalisePhone } from './identifiers.js';
import { maskName } from '../http/customer.views.js';

describe('identifier normalisation', () => {
  it('reads Chinese mobile numbers in the usual formats as E.164', () => {
    for (const p of ['13800138000', '138 0013 8000', '+86 13800138000', '008613800138000', '+86-138-0013-8000', '(+86) 138 0013 8000']) {
      expect(normalisePhone(p, 'CN'), p).toBe('+8613800138000');
    }
    expect(normalisePhone('+1 650 253 0000', 'CN')).toBe('+16502530000');
    expect(normalisePhone('12345', 'CN')).toBeUndefined();
  });

  it('answers Chinese mobile numbers exactly as a full libphonenumber check does, block cache or not', () => {
    const full = (n: string) => {
      const p = parsePhoneNumberFromString(n, 'CN');
      return p && p.isValid() ? p.number : undefined;
    };
    let seen = 0;
    for (let prefix = 1000; prefix <= 1999; prefix++) {
      for (const tail of ['0000000', '5123456', '9999999', '3141592']) {
        const national = `${prefix}${tail}`;
        // Twice: the first call fills the block cache, the second answers from it.
        for (const input of [national, `+86${national}`, `0086 ${national}`, national]) {
          expect(normalisePhone(input, 'CN'), input).toBe(full(`+86${national}`));
          seen += 1;
        }
      }
    }
    expect(seen).toBe(16_000);
    // Outside China a bare 11-digit number starting with 1 is not a Chinese mobile.
    expect(normalisePhone('16502530000', 'US')).toBe(full('+16502530000'));
    expect(normalisePhone('13800138000', 'US')).toBeUndefined();
  });

  it('answers exactly the same from the phone memo, per region, and after the memo filled up and started over', () => {
    const national = (i: number) => `139${String(i).padStart(8, '0')}`;
    expect(normalisePhone('021-6123 4567', 'CN')).toBe('+862161234567');
    expect(normalisePhone('021-6123 4567', 'CN')).toBe('+862161234567');
    expect(normalisePhone('021-6123 4567', 'US')).toBeUndefined();
    expect(normalisePhone('(650) 253-0000', 'US')).toBe('+16502530000');
    for (let i = 0; i <= PHONE_MEMO_LIMIT; i++) normalisePhone(national(i), 'CN');
    expect(normalisePhone('021-6123 4567', 'CN')).toBe('+862161234567');
    expect(normalisePhone('021-6123 4567', 'US')).toBeUndefined();
    expect(normalisePhone(national(PHONE_MEMO_LIMIT), 'CN')).toBe(`+86${national(PHONE_MEMO_LIMIT)}`);
    expect(normalisePhone(`${'1'.repeat(60)} 13800138000`, 'CN')).toBeUndefined();
  });

  it('lowercases email, uppercases member numbers and POS cards, keeps WeChat ids as sent', () => {
    expect(normaliseIdentifier('email', ' Wang.Fang@Example.COM ')).toBe('wang.fang@example.com');
    expect(normaliseIdentifier('member_no', ' vip-001 ')).toBe('VIP-001');
    expect(normaliseIdentifier('pos_card', 'pc-9')).toBe('PC-9');
    expect(normaliseIdentifier('wechat_openid', ' oAbC ')).toBe('oAbC');
  });
});

describe('validateCustomerRef', () => {
  it('names every invalid field under the prefix', () => {
    expect(validateCustomerRef({ phone: '12', email: 'x@', memberNo: 'ok' }, 'CN')).toEqual([
      { path: 'customer.phone', message: 'is not a valid phone number' },
      { path: 'customer.email', message: 'is not a valid email address' },
    ]);
    expect(validateCustomerRef({ phone: '12' }, 'CN', 'items.4.customer')).toEqual([
      { path: 'items.4.customer.phone', message: 'is not a valid phone number' },
    ]);
    expect(validateCustomerRef({ phone: '13800138000' }, 'CN')).toEqual([]);
  });

  it('skips blank identifiers and an unknown gender hint', () => {
    expect(normaliseRef({ phone: '  ', email: 'A@B.CN', gender: 'unknown', name: '王芳' }, 'CN')).toEqual({
      ref: { id: undefined, identifiers: [{ type: 'email', value: 'a@b.cn' }], hints: { name: '王芳' } },
      issues: [],
    });
  });
});

describe('maskName', () => {
  it('keeps the first character', () => {
    expect(maskName('王芳')).toBe('王*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('Wang Fang')).toBe('W***');
    expect(maskName('X')).toBe('*');
  });
});
