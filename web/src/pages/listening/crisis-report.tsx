import { useTranslation } from 'react-i18next';
import { ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { useDuration } from '../service/sla-clock';
import { useCrisisReport, type CrisisReport } from './crises.api';
import { CardHead } from './listening-parts';
import { useGivenText } from './crisis-parts';

/** The post-mortem report of a crisis (复盘报告), fetched when opened. */
export function CrisisReportView({ id }: { id: string }) {
  const { t } = useTranslation();
  const report = useCrisisReport(id);
  return (
    <section className="card ls-report ls-row" data-testid="crisis-report">
      <CardHead title={t('listening.report.title')} aside={<button type="button" className="btn btn-small" onClick={() => window.print()}>{t('listening.report.print')}</button>} />
      {report.isPending ? <Loading /> : report.isError ? <ErrorState error={report.error} onRetry={() => void report.refetch()} /> : <ReportBody r={report.data} />}
    </section>
  );
}

function ReportBody({ r }: { r: CrisisReport }) {
  const { t } = useTranslation();
  const f = useFormat();
  const given = useGivenText();
  const dur = useDuration();
  const yesNo = (v: boolean | null) => (v === null ? '—' : v ? t('listening.report.yes') : t('listening.report.no'));
  const facts: Array<[string, string, string]> = [
    ['duration', t('listening.report.duration'), dur(r.durationMinutes * 60_000)],
    ['mentions', t('listening.report.mentions'), f.number(r.mentions)],
    ['statement', t('listening.report.statement'), r.statement.minutes === null ? t('listening.report.noStatement') : t('listening.report.statementIn', { d: dur(r.statement.minutes * 60_000), due: dur(r.statement.dueMinutes * 60_000) })],
    ['statementMet', t('listening.report.statementMet'), yesNo(r.statement.met)],
    ['updates', t('listening.report.updates'), t('listening.report.updatesText', { count: r.updates.count, onTime: f.number(r.updates.onTime), rate: f.percent(r.updates.onTimeRate), missed: f.number(r.updates.missedDeadlines) })],
    ['peakHour', t('listening.report.peakHour'), r.peakHour ? t('listening.report.peakHourText', { at: f.dateTime(r.peakHour.at), n: f.number(r.peakHour.mentions), count: r.peakHour.mentions }) : '—'],
    [
      'share',
      t('listening.report.share'),
      t('listening.report.shareText', { start: f.percent(r.negativeShare.start), peak: f.percent(r.negativeShare.peak?.share), end: f.percent(r.negativeShare.end), target: f.percent(r.negativeShare.target) }),
    ],
    ['reached', t('listening.report.reached'), yesNo(r.negativeShare.reachedTarget)],
    [
      'affected',
      t('listening.report.affected'),
      `${f.number(r.affected.customers)} (${Object.entries(r.affected.byReason)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${t(`listening.crisis.reason.${k}`, { defaultValue: k })} ${f.number(n)}`)
        .join(' · ') || '—'})`,
    ],
    ['compensation', t('listening.report.compensation'), t('listening.report.compensationText', { n: f.number(r.compensation.customers), count: r.compensation.customers, what: given(r.compensation.couponFen, r.compensation.points) })],
  ];
  return (
    <div className="ls-report-body">
      <dl className="facts ls-report-facts">
        {facts.map(([key, label, value]) => (
          <div key={key} data-fact={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {r.topKeywords.length ? (
        <div>
          <h3 className="ls-subhead">{t('listening.report.keywords')}</h3>
          <div className="chips">
            {r.topKeywords.map((k) => (
              <span key={k.keyword} className="chip">
                #{k.keyword} {f.number(k.mentions)}
              </span>
            ))}
          </div>
        </div>
      ) : null}
      {r.crisis.summary ? (
        <div>
          <h3 className="ls-subhead">{t('listening.crisis.summary')}</h3>
          <p className="ls-prose">{r.crisis.summary}</p>
        </div>
      ) : null}
    </div>
  );
}
