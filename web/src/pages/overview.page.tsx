import { useMemo } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useRecentOrders, RECENT_ORDERS, type OrderSummary } from '../api/orders.api';
import { Chart } from '../components/chart';
import { Empty, ErrorState, Loading } from '../components/states';
import { useFormat } from '../format/format';

interface ChannelTotal {
  channel: string;
  orders: number;
  revenue: number;
}

/** Net revenue (paid − refunded) per channel in fen, so summing many decimal strings stays exact. */
function byChannel(orders: OrderSummary[]): ChannelTotal[] {
  const totals = new Map<string, ChannelTotal>();
  for (const o of orders) {
    const t = totals.get(o.channel) ?? { channel: o.channel, orders: 0, revenue: 0 };
    t.orders += 1;
    t.revenue += Math.round(Number(o.paidAmount) * 100) - Math.round(Number(o.refundedAmount) * 100);
    totals.set(o.channel, t);
  }
  return [...totals.values()].sort((a, b) => b.revenue - a.revenue);
}

export function OverviewPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const orders = useRecentOrders();
  const sample = orders.data?.items ?? [];
  const buyers = new Set(sample.map((o) => o.customerId).filter(Boolean)).size;
  const oldest = sample.at(-1)?.placedAt;
  const newest = sample[0]?.placedAt;

  const channels = useMemo(() => (orders.data ? byChannel(orders.data.items) : []), [orders.data]);
  const revenueFen = channels.reduce((s, c) => s + c.revenue, 0);
  const orderCount = channels.reduce((s, c) => s + c.orders, 0);

  const barOption = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => f.money(v) },
      xAxis: { type: 'category', data: channels.map((c) => t(`channel.${c.channel}`, { defaultValue: c.channel })), axisTick: { show: false } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => f.compactMoney(v) }, splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: [{ type: 'bar', name: t('overview.revenue'), data: channels.map((c) => c.revenue / 100), barMaxWidth: 48, itemStyle: { borderRadius: [6, 6, 0, 0] } }],
    }),
    [channels, f, t],
  );
  const pieOption = useMemo(
    () => ({
      tooltip: { trigger: 'item', valueFormatter: (v: number) => f.number(v) },
      legend: { bottom: 0, icon: 'circle' },
      series: [
        {
          type: 'pie',
          name: t('overview.orders'),
          radius: ['45%', '72%'],
          center: ['50%', '44%'],
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { formatter: '{d}%' },
          data: channels.map((c) => ({ name: t(`channel.${c.channel}`, { defaultValue: c.channel }), value: c.orders })),
        },
      ],
    }),
    [channels, f, t],
  );

  if (orders.isPending) return <Loading />;
  if (orders.isError) return <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('overview.title')}</h1>
          <p className="muted">
            {oldest && newest
              ? t('overview.subtitleRange', { count: sample.length, from: f.date(oldest), to: f.date(newest) })
              : t('overview.subtitle', { count: RECENT_ORDERS })}
          </p>
        </div>
      </div>

      <section className="kpis">
        <div className="kpi">
          <div className="kpi-label">{t('overview.orders')}</div>
          <div className="kpi-value">{f.number(orderCount)}</div>
        </div>
        <div className="kpi">
          <div className="kpi-label">{t('overview.revenue')}</div>
          <div className="kpi-value">{f.money(revenueFen / 100)}</div>
        </div>
        <Link to="/customers" className="kpi kpi-link">
          <div className="kpi-label">{t('overview.buyers')}</div>
          <div className="kpi-value">{f.number(buyers)}</div>
        </Link>
        <div className="kpi">
          <div className="kpi-label">{t('overview.aov')}</div>
          <div className="kpi-value">{orderCount ? f.money(revenueFen / orderCount / 100) : '—'}</div>
        </div>
      </section>

      {channels.length === 0 ? (
        <section className="card">
          <Empty title={t('overview.noOrders')}>{t('overview.noOrdersHint')}</Empty>
        </section>
      ) : (
        <div className="grid-2 grid-wide-left">
          <section className="card">
            <div className="card-head">
              <h2>{t('overview.revenueByChannel')}</h2>
            </div>
            <Chart option={barOption} label={t('overview.revenueByChannel')} />
          </section>
          <section className="card">
            <div className="card-head">
              <h2>{t('overview.ordersByChannel')}</h2>
            </div>
            <Chart option={pieOption} label={t('overview.ordersByChannel')} />
          </section>
        </div>
      )}
    </div>
  );
}
