import { randomInt } from 'node:crypto';

/**
 * Referral codes are read aloud at a till and typed from a poster: no 0/O or 1/I, upper case only.
 * 32 symbols × 8 places ≈ 10^12 codes, so a random pick rarely collides (the unique index and a
 * retry handle the rare case).
 */
export const REFERRAL_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;

export function newReferralCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < REFERRAL_CODE_LENGTH; i++) code += REFERRAL_ALPHABET[random(REFERRAL_ALPHABET.length)];
  return code;
}

/** A code as a person typed it: trimmed, upper-cased; look-alikes (O→0 is not in the alphabet) are not guessed. */
export function normaliseReferralCode(input: string): string {
  return input.trim().toUpperCase();
}

/** The link a member shares: the configured page with `ref=CODE` added to its query. */
export function referralLink(baseUrl: string, code: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('ref', code);
  return url.toString();
}
