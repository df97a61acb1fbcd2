import { describe, expect, it } from 'vitest';
import { nextAlertState, type AlertAction, type OpenSpike } from './lifecycle.js';
import { evaluateRule, type SpikeFinding, type SpikeRule } from './rules.js';
import { HourlySeries } from './series.js';
import { buildSeries, shanghai } from './test-support.js';

const VOLUME: SpikeRule = { id: 'volume-500', metric: 'volume' };
const iso = (d: number, h: number) => shanghai(d, h).toISOString();

// Four weeks of 10 mentions an hour; on day 28 a spike 10:00–14:00 (80, 90, 100, 70) and another hour of 80 at 18:00.
const SPIKE: Record<number, number> = { 10: 80, 11: 90, 12: 100, 13: 70, 18: 80 };
const series = HourlySeries.from(buildSeries(29, (d, h) => ({ mentions: d === 28 ? (SPIKE[h] ?? 10) : 10, negatives: 1 })));

/** Runs evaluations through the lifecycle, the state going through JSON as it would through a jsonb column. */
function run(steps: Array<{ at: Date; finding: SpikeFinding | null }>, start: OpenSpike | null = null) {
  let state = start;
  const actions: AlertAction[] = [];
  const states: Array<OpenSpike | null> = [];
  for (const { at, finding } of steps) {
    const next = nextAlertState(state, finding, at);
    actions.push(next.action);
    state = JSON.parse(JSON.stringify(next.state)) as OpenSpike | null;
    states.push(state);
  }
  return { actions, states };
}

const hourly = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => shanghai(28, from + i)).map((at) => ({ at, finding: evaluateRule(VOLUME, series, at) }));

describe('nextAlertState', () => {
  it('opens, updates three times, closes after two quiet hours, then opens a new spike', () => {
    const { actions, states } = run(hourly(11, 19));
    expect(actions).toEqual(['open', 'update', 'update', 'update', 'none', 'close', 'none', 'none', 'open']);
    expect(states[5]).toEqual({
      ruleId: 'volume-500', metric: 'volume', status: 'closed',
      openedAt: iso(28, 11), lastSeenAt: iso(28, 14), lastEvaluatedAt: iso(28, 16), closedAt: iso(28, 16),
      windowMinutes: 60, findings: 4, quietEvaluations: 2,
      peak: { observed: 100, expected: 10, increasePct: 900, pValue: states[5]!.peak.pValue, mentions: 100, negativeShare: 0.01, windowStart: iso(28, 12), windowEnd: iso(28, 13) },
    });
    expect(states[5]!.peak.pValue).toBeLessThan(1e-50);
    expect(states[6]).toBeNull();
    expect(states[8]).toMatchObject({ status: 'open', openedAt: iso(28, 19), findings: 1, quietEvaluations: 0, peak: { observed: 80 } });
  });

  it('a finding during the quiet spell keeps the spike open and restarts the count', () => {
    const f = (h: number) => evaluateRule(VOLUME, series, shanghai(28, h));
    const steps = [11, 15, 12, 16, 17].map((h, i) => ({ at: shanghai(28, 11 + i), finding: f(h) }));
    expect(steps.map((s) => s.finding !== null)).toEqual([true, false, true, false, false]);
    expect(run(steps).actions).toEqual(['open', 'none', 'update', 'none', 'close']);
  });

  it('evaluated every 5 minutes inside the hour, closes after two quiet hours, not two quiet runs', () => {
    const finding = evaluateRule(VOLUME, series, shanghai(28, 11))!;
    const opened = nextAlertState(null, finding, new Date(Date.parse(iso(28, 10)) + 30 * 60_000));
    expect(opened.action).toBe('open');
    const quiet = Array.from({ length: 24 }, (_, i) => ({ at: new Date(Date.parse(iso(28, 10)) + (35 + 5 * i) * 60_000), finding: null }));
    const { actions } = run(quiet, opened.state);
    expect(actions).toEqual([...new Array<AlertAction>(23).fill('none'), 'close']); // the last at 12:30, 2 h after 10:30
  });

  it('ignores a retried evaluation (at or before the latest applied) and keeps the state', () => {
    const finding = evaluateRule(VOLUME, series, shanghai(28, 11))!;
    const open = nextAlertState(null, finding, shanghai(28, 11)).state!;
    expect(nextAlertState(open, null, shanghai(28, 11))).toEqual({ action: 'none', state: open });
    expect(nextAlertState(null, null, shanghai(28, 11))).toEqual({ action: 'none', state: null });
  });

  it('tracks the peak of a negative-share spike by its share', () => {
    const base = { ruleId: 's', metric: 'negative_share' as const, expected: 5, pValue: 1e-9, baselineShare: 0.08, samples: 16, windowStart: shanghai(28, 10), windowEnd: shanghai(28, 11) };
    const first: SpikeFinding = { ...base, observed: 40, mentions: 100, negatives: 40, negativeShare: 0.4, increasePct: 400 };
    const sharper: SpikeFinding = { ...base, observed: 30, mentions: 50, negatives: 30, negativeShare: 0.6, increasePct: 650, windowStart: shanghai(28, 11), windowEnd: shanghai(28, 12) };
    const open = nextAlertState(null, first, shanghai(28, 11)).state;
    expect(nextAlertState(open, sharper, shanghai(28, 12)).state!.peak).toMatchObject({ observed: 30, negativeShare: 0.6, windowStart: iso(28, 11) });
  });

  it('refuses a finding of another rule and a bad quietWindows', () => {
    const finding = evaluateRule(VOLUME, series, shanghai(28, 11))!;
    const open = nextAlertState(null, finding, shanghai(28, 11)).state;
    expect(() => nextAlertState(open, { ...finding, ruleId: 'other' }, shanghai(28, 12))).toThrow("finding.ruleId: 'other' is not the open spike's rule 'volume-500'");
    expect(() => nextAlertState(open, null, shanghai(28, 12), { quietWindows: 0 })).toThrow('quietWindows: must be an integer ≥ 1 (got 0)');
  });
});
