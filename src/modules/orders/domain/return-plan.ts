import type { FieldIssue } from '../../../platform/errors.js';
import { formatMoney } from '../../../platform/money.js';
import { allocate } from './order-content.js';

export interface LineState {
  lineNo: number;
  sku: string;
  quantity: number;
  paidFen: number;
  returnedQuantity: number;
  refundedFen: number;
}

export interface ReturnLineRequest {
  lineNo?: number | undefined;
  sku?: string | undefined;
  quantity: number;
  refundAmount?: number | undefined;
}

export interface ReturnPart {
  lineNo: number;
  quantity: number;
  refundFen: number;
}

/**
 * Which order lines a return takes back and what it refunds. `lines` is the order's state after
 * the returns already recorded; on success the caller gets the state after this one too. A line
 * named by SKU draws from that SKU's lines in line order. The default refund is the line's paid
 * amount × quantity / line quantity, rounded to the fen; the return that completes a line
 * refunds what is left of it, so pieces never add up to more or less than was paid.
 */
export function planReturn(
  lines: LineState[],
  requests: ReturnLineRequest[],
): { parts: ReturnPart[]; after: LineState[]; issues: FieldIssue[] } {
  const state = new Map(lines.map((l) => [l.lineNo, { ...l }]));
  const issues: FieldIssue[] = [];
  const parts = new Map<number, ReturnPart>();
  const maxLine = Math.max(0, ...lines.map((l) => l.lineNo));

  requests.forEach((req, i) => {
    let targets: Array<typeof lines[number]>;
    if (req.lineNo !== undefined) {
      const line = state.get(req.lineNo);
      if (!line) {
        issues.push({ path: `lines.${i}.lineNo`, message: `the order has no line ${req.lineNo} (it has lines 1–${maxLine})` });
        return;
      }
      if (req.sku !== undefined && req.sku !== line.sku) {
        issues.push({ path: `lines.${i}.sku`, message: `line ${req.lineNo} is SKU ${line.sku}, not ${req.sku}` });
        return;
      }
      targets = [line];
    } else {
      targets = [...state.values()].filter((l) => l.sku === req.sku).sort((a, b) => a.lineNo - b.lineNo);
      if (targets.length === 0) {
        issues.push({ path: `lines.${i}.sku`, message: `SKU ${req.sku} is not on the order` });
        return;
      }
    }
    const open = targets.reduce((s, l) => s + l.quantity - l.returnedQuantity, 0);
    if (req.quantity > open) {
      const bought = targets.reduce((s, l) => s + l.quantity, 0);
      const what = req.lineNo !== undefined ? `line ${req.lineNo} (SKU ${targets[0]!.sku})` : `SKU ${req.sku}`;
      issues.push({
        path: `lines.${i}.quantity`,
        message: `${what}: bought ${bought}, already returned ${bought - open}; cannot return ${req.quantity} more`,
      });
      return;
    }

    let left = req.quantity;
    const taken: Array<{ line: LineState; quantity: number; defaultRefund: number }> = [];
    for (const line of targets) {
      if (left === 0) break;
      const q = Math.min(left, line.quantity - line.returnedQuantity);
      if (q === 0) continue;
      left -= q;
      const refundable = line.paidFen - line.refundedFen;
      const completes = line.returnedQuantity + q === line.quantity;
      const share = completes ? refundable : Math.min(refundable, Math.round((line.paidFen * q) / line.quantity));
      taken.push({ line, quantity: q, defaultRefund: share });
    }
    let refunds = taken.map((t) => t.defaultRefund);
    if (req.refundAmount !== undefined) {
      const refundable = taken.reduce((s, t) => s + t.line.paidFen - t.line.refundedFen, 0);
      if (req.refundAmount > refundable) {
        issues.push({
          path: `lines.${i}.refundAmount`,
          message: `is more than the ${formatMoney(refundable)} still refundable on ${taken.length === 1 ? `line ${taken[0]!.line.lineNo}` : `SKU ${req.sku}`}`,
        });
        return;
      }
      refunds = taken.length === 1 ? [req.refundAmount] : capped(allocate(req.refundAmount, refunds), taken);
    }
    taken.forEach((t, k) => {
      t.line.returnedQuantity += t.quantity;
      t.line.refundedFen += refunds[k]!;
      const part = parts.get(t.line.lineNo) ?? { lineNo: t.line.lineNo, quantity: 0, refundFen: 0 };
      part.quantity += t.quantity;
      part.refundFen += refunds[k]!;
      parts.set(t.line.lineNo, part);
    });
  });

  if (issues.length > 0) return { parts: [], after: lines, issues };
  return { parts: [...parts.values()].sort((a, b) => a.lineNo - b.lineNo), after: [...state.values()], issues };
}

/** A proportional split can exceed one line's refundable rest; move the excess to lines with room. */
function capped(shares: number[], taken: Array<{ line: LineState }>): number[] {
  const room = taken.map((t) => t.line.paidFen - t.line.refundedFen);
  let excess = 0;
  const out = shares.map((s, k) => {
    const v = Math.min(s, room[k]!);
    excess += s - v;
    return v;
  });
  for (let k = 0; k < out.length && excess > 0; k++) {
    const add = Math.min(excess, room[k]! - out[k]!);
    out[k]! += add;
    excess -= add;
  }
  return out;
}
