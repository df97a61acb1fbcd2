/**
 * Money is integer fen (minor units). Input arrives as "398.00", "398.5", 398 or 398.5;
 * more than two decimals is an error, never a silent rounding.
 */
const DECIMAL = /^-?\d{1,13}(\.\d{1,2})?$/;

export function parseMoney(input: string | number): number | null {
  const text = typeof input === 'number' ? numberToText(input) : input.trim();
  if (text === null || !DECIMAL.test(text)) return null;
  const negative = text.startsWith('-');
  const [whole, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -fen : fen;
}

function numberToText(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  // Shortest round-trip text; 0.1+0.2 style artefacts show up as >2 decimals and are refused.
  const s = String(n);
  return s.includes('e') ? null : s;
}

export function formatMoney(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}
