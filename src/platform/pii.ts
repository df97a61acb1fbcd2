/** Display masking of personal data for roles that do not need it (see access roles). */

/** Masks a phone for roles without pii:read: +8613800138000 → 138****8000. */
export function maskPhone(e164: string): string {
  const national = e164.startsWith('+86') ? e164.slice(3) : e164.replace(/^\+/, '');
  if (national.length < 7) return '*'.repeat(national.length);
  return `${national.slice(0, 3)}****${national.slice(-4)}`;
}

/** wang.fang@example.com → w***@example.com */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
