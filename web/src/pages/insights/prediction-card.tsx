import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCustomerPrediction, type ChurnRisk } from '../../api/insights-predictions.api';
import { useFormat } from '../../format/format';
import { ErrorState } from '../../components/states';
import { decimal, fen } from '../segments/segment-words';
import { ChurnFactors } from './churn-model';
import './insights.css';

export function RiskBadge({ risk }: { risk: ChurnRisk }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ins-risk ins-risk-${risk}`} data-risk={risk}>
      {t(`insights.predictions.riskLong.${risk}`)}
    </span>
  );
}

/** The customer 360's prediction card: P(alive) and churn band, expected purchases, next purchase, value, CLV. */
export function PredictionCard({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useCustomerPrediction(customerId);
  if (q.isPending) return null;
  const p = q.data;
  return (
    <section className="card" data-testid="prediction-card">
      <div className="card-head">
        <h2>
          <Link to="/insights/churn" className="seg-name-link">
            {t('insights.predictions.card')}
          </Link>
        </h2>
        {p ? <span className="muted small">{t('insights.predictions.cardAsOf', { asOf: f.day(p.asOf), days: f.number(p.horizonDays) })}</span> : null}
      </div>
      {q.isError ? (
        <ErrorState error={q.error} />
      ) : !p ? (
        <p className="muted small" data-testid="prediction-none">
          {t('insights.predictions.cardNone')}
        </p>
      ) : (
        <dl className="facts ins-card-facts">
          <div>
            <dt>{t('insights.predictions.pAlive')}</dt>
            <dd>
              <span data-testid="prediction-p-alive">{f.percent(p.pAlive)}</span> <RiskBadge risk={p.churnRisk} />
            </dd>
          </div>
          <div>
            <dt>{t('insights.predictions.cardExpected')}</dt>
            <dd data-testid="prediction-expected">{decimal(f, p.expectedPurchases, 2)}</dd>
          </div>
          <div>
            <dt>{t('insights.predictions.nextPurchase')}</dt>
            <dd>
              {p.expectedDaysToNext === null
                ? t('insights.predictions.notSoon')
                : t('insights.predictions.nextIn', { days: decimal(f, p.expectedDaysToNext, 0) })}
            </dd>
          </div>
          <div>
            <dt>{t('insights.predictions.repeat')}</dt>
            <dd>{f.number(p.frequency)}</dd>
          </div>
          <div>
            <dt>{t('insights.predictions.cardAvgValue')}</dt>
            <dd data-testid="prediction-avg-value">{fen(f, p.expectedAvgValueFen)}</dd>
          </div>
          <div>
            <dt>{t('insights.predictions.clv')}</dt>
            <dd data-testid="prediction-clv">{fen(f, p.clvFen)}</dd>
          </div>
        </dl>
      )}
      <ChurnFactors customerId={customerId} />
    </section>
  );
}
