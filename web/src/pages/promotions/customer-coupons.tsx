import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useWallet } from '../../api/promotions.api';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { CouponStatus } from './coupons.page';
import { lastDay } from './promo-words';
import './promotions.css';

/** The customer 360's coupon wallet: usable coupons first (soonest to expire first), then used, void and expired ones. */
export function CouponWallet({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const wallet = useWallet(customerId);
  const usable = wallet.data?.filter((c) => c.status === 'issued').length ?? 0;
  return (
    <section className="card" data-testid="coupon-wallet">
      <div className="card-head">
        <h2>{t('promotions.wallet.title')}</h2>
        {wallet.data ? <span className="muted small">{t('promotions.wallet.count', { usable: f.number(usable), total: f.number(wallet.data.length) })}</span> : null}
      </div>
      {wallet.isPending ? (
        <Loading />
      ) : wallet.isError ? (
        <ErrorState error={wallet.error} onRetry={() => void wallet.refetch()} />
      ) : wallet.data.length === 0 ? (
        <p className="muted">{t('promotions.wallet.none')}</p>
      ) : (
        <ul className="promo-wallet">
          {wallet.data.slice(0, 12).map((c) => (
            <li key={c.id} className={c.status === 'issued' ? 'promo-wallet-item' : 'promo-wallet-item promo-wallet-used'} data-code={c.code}>
              <span className="promo-wallet-icon" aria-hidden="true">
                <Icon name="ticket" size={18} />
              </span>
              <span className="promo-wallet-text">
                <strong>{c.name}</strong>
                <span className="mono muted small">{c.code}</span>
              </span>
              <span className="promo-wallet-meta">
                <CouponStatus status={c.status} />
                <span className="muted small">
                  {c.status === 'redeemed' && c.redeemedAt
                    ? t('promotions.wallet.redeemedOn', { date: f.date(c.redeemedAt) })
                    : c.validTo
                      ? t('promotions.wallet.validTo', { date: f.date(lastDay(c.validTo)) })
                      : ''}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {wallet.data && wallet.data.length > 12 ? (
        <p className="muted small footnote">
          <Link to="/coupons">{t('promotions.wallet.more', { n: f.number(wallet.data.length - 12) })}</Link>
        </p>
      ) : null}
    </section>
  );
}
