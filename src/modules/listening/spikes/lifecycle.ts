/**
 * One alert per spike: while a rule keeps firing for a scope the open spike is updated, not re-alerted; it closes
 * after a quiet spell, and a later finding opens a new one. Pure: the state is plain JSON (ISO strings, numbers), so
 * it can live in a jsonb column and come back unchanged.
 */
import { SpikeInputError } from './series.js';
import type { SpikeFinding } from './rules.js';

/** The most anomalous window of a spike (largest count for volume, largest share for negative_share). */
export interface SpikePeak {
  observed: number;
  expected: number;
  increasePct: number;
  pValue: number;
  mentions: number;
  negativeShare: number;
  windowStart: string;
  windowEnd: string;
}

/** A spike's dedup state; `status: 'closed'` only in the state returned with the `close` action. */
export interface OpenSpike {
  ruleId: string;
  metric: SpikeFinding['metric'];
  status: 'open' | 'closed';
  /** Evaluation instants (ISO): the first and the latest finding, the latest evaluation, the close. */
  openedAt: string;
  lastSeenAt: string;
  lastEvaluatedAt: string;
  closedAt: string | null;
  /** The rule's window length when the spike opened (the quiet spell is counted in windows). */
  windowMinutes: number;
  /** Evaluations with a finding, and consecutive ones without since the last. */
  findings: number;
  quietEvaluations: number;
  peak: SpikePeak;
}

export type AlertAction = 'open' | 'update' | 'none' | 'close';

/** Options of {@link nextAlertState}. */
export interface LifecycleOptions {
  /** Quiet evaluations, and windows of time, without a finding before a spike closes (default 2). */
  quietWindows?: number;
}

function peakOf(f: SpikeFinding): SpikePeak {
  return {
    observed: f.observed, expected: f.expected, increasePct: f.increasePct, pValue: f.pValue, mentions: f.mentions,
    negativeShare: f.negativeShare, windowStart: f.windowStart.toISOString(), windowEnd: f.windowEnd.toISOString(),
  };
}

function isHigher(f: SpikeFinding, peak: SpikePeak): boolean {
  return f.metric === 'volume' ? f.observed > peak.observed : f.negativeShare > peak.negativeShare;
}

function opened(f: SpikeFinding, at: string): OpenSpike {
  return {
    ruleId: f.ruleId, metric: f.metric, status: 'open', openedAt: at, lastSeenAt: at, lastEvaluatedAt: at, closedAt: null,
    windowMinutes: Math.round((f.windowEnd.getTime() - f.windowStart.getTime()) / 60_000), findings: 1, quietEvaluations: 0, peak: peakOf(f),
  };
}

/**
 * The next dedup state of one rule and scope after an evaluation at `at`:
 * - no open spike (null or a closed state) and a finding → `open` (alert);
 * - an open spike and a finding → `update` (peak, last seen; the quiet count resets);
 * - an open spike and no finding → `close` once there have been `quietWindows` consecutive quiet evaluations AND
 *   `quietWindows` windows of time since the last finding, else `none` with the quiet count advanced — so a job
 *   evaluating a running hour every few minutes closes after two quiet hours, not two quiet runs;
 * - nothing open and no finding → `none`, state null.
 * An evaluation at or before the latest one already applied (a retried job) changes nothing: `none`, state as given.
 */
export function nextAlertState(previous: OpenSpike | null, finding: SpikeFinding | null, at: Date, opts: LifecycleOptions = {}): { action: AlertAction; state: OpenSpike | null } {
  const quietWindows = opts.quietWindows ?? 2;
  if (!Number.isInteger(quietWindows) || quietWindows < 1) throw new SpikeInputError(`quietWindows: must be an integer ≥ 1 (got ${quietWindows})`);
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new SpikeInputError('at: not a valid Date');
  const now = at.toISOString();
  const open = previous?.status === 'open' ? previous : null;
  if (open && finding && finding.ruleId !== open.ruleId) throw new SpikeInputError(`finding.ruleId: '${finding.ruleId}' is not the open spike's rule '${open.ruleId}'`);
  if (open && at.getTime() <= Date.parse(open.lastEvaluatedAt)) return { action: 'none', state: open };
  if (!open) return finding ? { action: 'open', state: opened(finding, now) } : { action: 'none', state: null };
  if (finding) {
    const peak = isHigher(finding, open.peak) ? peakOf(finding) : open.peak;
    return { action: 'update', state: { ...open, lastSeenAt: now, lastEvaluatedAt: now, findings: open.findings + 1, quietEvaluations: 0, peak } };
  }
  const quiet = { ...open, lastEvaluatedAt: now, quietEvaluations: open.quietEvaluations + 1 };
  const quietMs = at.getTime() - Date.parse(open.lastSeenAt);
  if (quiet.quietEvaluations >= quietWindows && quietMs >= quietWindows * open.windowMinutes * 60_000)
    return { action: 'close', state: { ...quiet, status: 'closed', closedAt: now } };
  return { action: 'none', state: quiet };
}

