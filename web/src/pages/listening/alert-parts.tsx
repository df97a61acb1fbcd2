import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format/format';
import type { Alert, Finding } from './listening.api';
import { useRegionName } from './china-tiles';
import { SourceBadge } from './listening-parts';

/** What a rule or alert watches: "门店 · SH001", "关键词 · 起球", "全品牌", any key of a type ("任一地区"). */
export function ScopeLabel({ type, scopeKey }: { type: string; scopeKey: string }) {
  const { t } = useTranslation();
  const region = useRegionName();
  if (type === 'brand') return <span className="ls-scope">{t('listening.scope.brand')}</span>;
  if (scopeKey === '*') return <span className="ls-scope">{t('listening.scope.anyOf', { type: t(`listening.scope.${type}`) })}</span>;
  const key = type === 'source' ? <SourceBadge source={scopeKey} /> : type === 'region' ? region(scopeKey) : scopeKey;
  return (
    <span className="ls-scope">
      <span className="ls-scope-type">{t(`listening.scope.${type}`, { defaultValue: type })}</span>
      <span className="ls-scope-key">{key}</span>
    </span>
  );
}

/** A p-value as people read it: < 0.001 below a thousandth, else three decimals. */
export const pText = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(3));

/** Observed against expected for the window, the rise, the p-value (negative-share rules show shares). */
export function FindingFigures({ finding }: { finding: Finding }) {
  const { t } = useTranslation();
  const f = useFormat();
  const share = finding.metric === 'negative_share';
  return (
    <span className="ls-finding" data-testid="finding">
      <span className="ls-finding-main">
        {share
          ? t('listening.alerts.observedShare', { observed: f.percent(finding.negativeShare), expected: f.percent(finding.baselineShare) })
          : t('listening.alerts.observedVolume', { observed: f.number(finding.observed), expected: f.number(Math.round(finding.expected * 10) / 10) })}
      </span>
      <span className="ls-rise">+{f.number(Math.round(finding.increasePct))}%</span>
      <span className="muted small">p {pText(finding.pValue)}</span>
    </span>
  );
}

/** An alert's state: open and unacknowledged (red), acknowledged (amber), with a crisis, or closed. */
export function AlertState({ alert }: { alert: Alert }) {
  const { t } = useTranslation();
  const state = alert.status === 'closed' ? 'closed' : alert.crisisId ? 'crisis' : alert.acknowledgedAt ? 'acked' : 'open';
  return (
    <span className={`badge ls-alert-state ls-alert-${state}`} data-state={state}>
      {t(`listening.alerts.state.${state}`)}
    </span>
  );
}
