import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SlaTarget, Ticket } from '../../api/service.api';
import { useFormat } from '../../format/format';

/** The current instant, ticking on the client (every second by default) so the SLA clocks count down live. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export type ClockTone = 'ok' | 'warn' | 'breach' | 'met' | 'paused' | 'off';

export interface ClockState {
  target: SlaTarget;
  tone: ClockTone;
  dueAt: string | null;
  metAt: string | null;
  /** Milliseconds left (negative: overdue). */
  leftMs: number | null;
}

const DUE: Record<SlaTarget, 'ackDueAt' | 'firstReplyDueAt' | 'resolveDueAt'> = { ack: 'ackDueAt', first_reply: 'firstReplyDueAt', resolve: 'resolveDueAt' };
const MET: Record<SlaTarget, 'ackedAt' | 'firstRepliedAt' | 'resolvedAt'> = { ack: 'ackedAt', first_reply: 'firstRepliedAt', resolve: 'resolvedAt' };

/**
 * Where one SLA target stands at `now`: met, paused (the resolution clock while pending), overdue (red), warned or
 * under a quarter of its time left (amber), or running.
 */
export function clockState(t: Ticket, target: SlaTarget, now: number): ClockState {
  const dueAt = t[DUE[target]];
  const metAt = t[MET[target]];
  const base = { target, dueAt, metAt };
  if (metAt) return { ...base, tone: 'met', leftMs: dueAt ? Date.parse(dueAt) - Date.parse(metAt) : null };
  if (!dueAt || t.status === 'resolved' || t.status === 'closed') return { ...base, tone: 'off', leftMs: null };
  if (target === 'resolve' && (t.status === 'pending' || t.pausedAt)) return { ...base, tone: 'paused', leftMs: Date.parse(dueAt) - Date.parse(t.pausedAt ?? new Date(now).toISOString()) };
  const left = Date.parse(dueAt) - now;
  if (left < 0 || t.slaBreached?.includes(target)) return { ...base, tone: 'breach', leftMs: left };
  const span = Date.parse(dueAt) - Date.parse(t.receivedAt);
  const warned = t.slaWarned?.includes(target) || (span > 0 && left < span * 0.25);
  return { ...base, tone: warned ? 'warn' : 'ok', leftMs: left };
}

/** The next target still running: what the inbox shows per row. */
export function nextClock(t: Ticket, now: number): ClockState | null {
  const running = (['ack', 'first_reply', 'resolve'] as const)
    .map((x) => clockState(t, x, now))
    .filter((c) => c.tone === 'ok' || c.tone === 'warn' || c.tone === 'breach' || c.tone === 'paused');
  if (running.length === 0) return null;
  // An overdue target first (most overdue), else the one due soonest; a paused clock only when nothing else runs.
  const live = running.filter((c) => c.tone !== 'paused');
  const pool = live.length ? live : running;
  return pool.reduce((a, b) => (Date.parse(b.dueAt!) < Date.parse(a.dueAt!) ? b : a));
}

/** 2h 10m, 3d 4h, 12m 05s (under ten minutes the seconds show, so the clock visibly ticks). */
export function useDuration() {
  const { t } = useTranslation();
  return (ms: number) => {
    const total = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(total / 86400);
    const h = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    if (d > 0) return t('service.sla.dh', { d, h });
    if (h > 0) return t('service.sla.hm', { h, m });
    if (m >= 10) return t('service.sla.m', { m });
    return t('service.sla.ms', { m, s: String(s).padStart(2, '0') });
  };
}

/** One clock as a pill: "2h 10m left", amber when warned, red "overdue 2h 10m" when breached. */
export function SlaPill({ c, withTarget }: { c: ClockState; withTarget?: boolean }) {
  const { t } = useTranslation();
  const dur = useDuration();
  const f = useFormat();
  const text =
    c.tone === 'met'
      ? t('service.sla.met')
      : c.tone === 'off'
        ? '—'
        : c.tone === 'paused'
          ? t('service.sla.paused')
          : c.tone === 'breach'
            ? t('service.sla.overdue', { d: dur(c.leftMs ?? 0) })
            : t('service.sla.left', { d: dur(c.leftMs ?? 0) });
  return (
    <span className={`sv-clock sv-clock-${c.tone}`} data-tone={c.tone} data-target={c.target} title={c.dueAt ? t('service.sla.dueAt', { at: f.dateTime(c.dueAt) }) : undefined}>
      <span className="sv-clock-dot" aria-hidden="true" />
      {withTarget ? <span className="sv-clock-target">{t(`service.sla.target.${c.target}`)}</span> : null}
      <span className="sv-clock-text">{text}</span>
    </span>
  );
}

/** The inbox's per-row clock: the next due target, ticking. */
export function RowClock({ ticket }: { ticket: Ticket }) {
  const now = useNow();
  const c = nextClock(ticket, now);
  if (!c) return <span className="muted small">{ticket.status === 'resolved' || ticket.status === 'closed' ? '✓' : '—'}</span>;
  return <SlaPill c={c} withTarget />;
}

/** The ticket page's three clocks with their due instants. */
export function SlaClocks({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const f = useFormat();
  const now = useNow();
  return (
    <div className="sv-clocks" data-testid="sla-clocks">
      {(['ack', 'first_reply', 'resolve'] as const).map((target) => {
        const c = clockState(ticket, target, now);
        return (
          <div key={target} className={`sv-clock-card sv-clock-card-${c.tone}`} data-target={target} data-tone={c.tone}>
            <div className="sv-clock-card-label">{t(`service.sla.target.${target}`)}</div>
            <SlaPill c={c} />
            <div className="muted small">
              {c.metAt
                ? t('service.sla.metAt', { at: f.dateTime(c.metAt) })
                : c.dueAt
                  ? t('service.sla.dueAt', { at: f.dateTime(c.dueAt) })
                  : t('service.sla.noTarget')}
            </div>
          </div>
        );
      })}
    </div>
  );
}
