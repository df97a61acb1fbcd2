import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSurveyAction, useSurveys, type Survey } from '../../api/surveys.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import '../service/service.css';
import './surveys.css';

export function SurveyStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge sy-status sy-status-${status}`} data-status={status}>
      {t(`surveys.status.${status}`, { defaultValue: status })}
    </span>
  );
}

/** Surveys: each questionnaire with its trigger, status, responses and scores; build, publish, see results. */
export function SurveysPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const write = can(me, 'surveys:write');
  const list = useSurveys();
  const action = useSurveyAction();
  return (
    <div className="page sv-page">
      <div className="page-head">
        <div>
          <h1>{t('surveys.list.title')}</h1>
          <p className="muted">{t('surveys.list.subtitle')}</p>
        </div>
        {write ? (
          <Link to="/surveys/new" className="btn btn-primary" data-testid="survey-new">
            <Icon name="plus" size={16} />
            {t('surveys.list.new')}
          </Link>
        ) : null}
      </div>
      <section className="card">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <Empty title={t('surveys.list.empty')}>{write ? t('surveys.list.emptyHint') : null}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="survey-table">
              <thead>
                <tr>
                  <th>{t('surveys.list.name')}</th>
                  <th>{t('surveys.list.status')}</th>
                  <th>{t('surveys.list.trigger')}</th>
                  <th className="num">{t('surveys.list.questions')}</th>
                  <th className="num">{t('surveys.list.sent')}</th>
                  <th className="num">{t('surveys.list.responses')}</th>
                  <th className="num">{t('surveys.list.rate')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.data.map((s: Survey) => (
                  <tr key={s.id} data-code={s.code} data-status={s.status}>
                    <td>
                      <Link to={`/surveys/${s.id}/results`} className="sv-strong-link">
                        {s.name}
                      </Link>
                      <div className="mono muted small">{s.code}</div>
                    </td>
                    <td>
                      <SurveyStatusBadge status={s.status} />
                    </td>
                    <td>
                      {t(`surveys.trigger.${s.trigger}`, { defaultValue: s.trigger })}
                      {s.trigger === 'after_ticket' ? (
                        <div className="muted small">{t('surveys.list.window', { min: s.settings.delayWindowDays?.min ?? 3, max: s.settings.delayWindowDays?.max ?? 5 })}</div>
                      ) : s.trigger === 'after_purchase' ? (
                        <div className="muted small">{t('surveys.list.delay', { n: s.settings.delayDays ?? 0 })}</div>
                      ) : s.trigger === 'periodic' && s.settings.cadence ? (
                        <div className="muted small">{t(`surveys.cadence.${s.settings.cadence}`)}</div>
                      ) : null}
                    </td>
                    <td className="num">{f.number(s.questions.length)}</td>
                    <td className="num">{f.number(s.counts?.sent)}</td>
                    <td className="num" data-testid="survey-responded">
                      {f.number(s.counts?.responded)}
                    </td>
                    <td className="num">{s.counts?.sent ? f.percent(s.counts.responded / s.counts.sent) : '—'}</td>
                    <td className="nowrap sv-row-actions">
                      <Link to={`/surveys/${s.id}/results`} className="btn btn-small btn-ghost" data-action="results">
                        {t('surveys.list.results')}
                      </Link>
                      {write ? (
                        <Link to={`/surveys/${s.id}`} className="btn btn-small btn-ghost" data-action="edit">
                          {t('surveys.list.edit')}
                        </Link>
                      ) : null}
                      {write && s.status === 'draft' ? (
                        <button type="button" className="btn btn-small" data-action="publish" disabled={action.isPending} onClick={() => action.mutate({ id: s.id, action: 'activate' })}>
                          {t('surveys.list.publish')}
                        </button>
                      ) : null}
                      {write && s.status === 'active' ? (
                        <button type="button" className="btn btn-small btn-ghost" data-action="archive" disabled={action.isPending} onClick={() => action.mutate({ id: s.id, action: 'archive' })}>
                          {t('surveys.list.archive')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {action.isError ? (
          <div className="form-error" role="alert">
            {action.error.message}
          </div>
        ) : null}
      </section>
    </div>
  );
}
