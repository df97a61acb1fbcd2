import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  preview,
  useRfmGrid,
  useRfmSummary,
  useRunRfm,
  useValueMatrix,
  type GridCell,
  type RfmRun,
  type RfmSummary,
  type ValueMatrix,
} from '../../api/segments.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { compactFen, decimal, fen, shortFen } from './segment-words';
import { CustomerSample } from './customer-sample';
import { Kpi, RunForm } from './seg-parts';
import './segments.css';

/** RFM: run the scoring, the R×F heatmap, the four value classes with their care, the 11 named segments, the value matrix. */
export function RfmPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const grid = useRfmGrid();
  const summary = useRfmSummary();
  const matrix = useValueMatrix();
  const [picked, setCell] = useState<GridCell | null>(null);
  // Until a cell is clicked, the fullest one shows its customers.
  const cell = picked ?? grid.data?.cells.reduce<GridCell | null>((best, c) => (c.customers > (best?.customers ?? 0) ? c : best), null) ?? null;

  const run = summary.data?.run ?? grid.data?.run ?? null;
  const totalFen = summary.data ? summary.data.classes.reduce((s, c) => s + c.monetaryFen, 0) : 0;

  return (
    <div className="page seg-page">
      <div className="page-head">
        <div>
          <h1>{t('segments.rfm.title')}</h1>
          <p className="muted" data-testid="rfm-run">
            {run ? runText(t, f, run) : t('segments.rfm.subtitle')}
          </p>
        </div>
      </div>

      {can(me, 'segments:admin') ? <RfmRunForm /> : null}

      {summary.isPending || grid.isPending ? (
        <Loading />
      ) : summary.isError ? (
        <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />
      ) : grid.isError ? (
        <ErrorState error={grid.error} onRetry={() => void grid.refetch()} />
      ) : !summary.data || !grid.data ? (
        <section className="card">
          <Empty title={t('segments.rfm.noRun')}>{can(me, 'segments:admin') ? t('segments.rfm.noRunHint') : t('segments.rfm.noRunAsk')}</Empty>
        </section>
      ) : (
        <>
          <section className="kpis" aria-label={t('segments.rfm.title')}>
            <Kpi label={t('segments.rfm.scored')} value={f.number(summary.data.run.customers)} testId="rfm-scored" />
            <Kpi label={t('segments.rfm.revenue')} value={shortFen(f, totalFen)} note={t('segments.rfm.revenueNote')} testId="rfm-revenue" />
            {summary.data.classes.slice(0, 2).map((c) => (
              <Kpi key={c.key} label={t(`segments.class.${c.key}`)} value={f.number(c.customers)} note={t('segments.rfm.ofCustomers', { share: f.percent(c.share) })} />
            ))}
          </section>

          <div className="grid-2 seg-grid-heat">
            <section className="card">
              <div className="card-head">
                <h2>{t('segments.rfm.grid')}</h2>
                <span className="muted small">{t('segments.rfm.gridNote')}</span>
              </div>
              <Heatmap cells={grid.data.cells} f={f} onPick={setCell} />
              <table className="sr-only" data-testid="rfm-grid">
                <tbody>
                  {grid.data.cells.map((c) => (
                    <tr key={`${c.r}-${c.f}`} data-r={c.r} data-f={c.f}>
                      <td>{c.customers}</td>
                      <td>{c.monetaryFen}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <CellSample cell={cell} />
          </div>

          <ClassCards summary={summary.data} totalFen={totalFen} />
          <NamedSegments summary={summary.data} totalFen={totalFen} />
          {matrix.isPending ? <Loading /> : matrix.isError ? <ErrorState error={matrix.error} /> : matrix.data ? <Matrix m={matrix.data} /> : null}
        </>
      )}
    </div>
  );
}

export function runText(t: (k: string, o?: Record<string, unknown>) => string, f: Format, run: RfmRun): string {
  return t('segments.rfm.runInfo', {
    asOf: f.day(run.asOf),
    window: run.windowDays === null ? t('segments.rfm.allHistory') : t('segments.rfm.lastDays', { days: f.number(run.windowDays) }),
    method: t(`segments.rfm.method.${run.method}`),
    customers: f.number(run.customers),
    at: f.dateTime(run.createdAt),
  });
}

function RfmRunForm() {
  const { t } = useTranslation();
  const run = useRunRfm();
  const [asOf, setAsOf] = useState('');
  const [windowDays, setWindowDays] = useState('');
  return (
    <RunForm
      onSubmit={() => {
        const days = windowDays.trim() === '' ? undefined : Number(windowDays);
        run.mutate({ ...(asOf ? { asOf } : {}), ...(days !== undefined ? { windowDays: days } : {}) });
      }}
      busy={run.isPending}
      label={t('segments.rfm.run')}
      busyLabel={t('segments.rfm.running')}
      note={t('segments.rfm.runNote')}
      testId="rfm-run-button"
      error={run.error}
      fields={
        <>
          <label className="field settings-field">
            <span>{t('segments.rfm.asOf')}</span>
            <input type="date" name="asOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </label>
          <label className="field settings-field">
            <span>{t('segments.rfm.window')}</span>
            <input name="windowDays" inputMode="numeric" placeholder={t('segments.rfm.allHistory')} value={windowDays} onChange={(e) => setWindowDays(e.target.value)} />
          </label>
        </>
      }
    />
  );
}

function Heatmap({ cells, f, onPick }: { cells: GridCell[]; f: Format; onPick: (c: GridCell) => void }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const max = Math.max(1, ...cells.map((c) => c.customers));
    return {
      grid: { left: 36, right: 16, top: 8, bottom: 56, containLabel: true },
      tooltip: {
        formatter: (p: { dataIndex: number }) => {
          const c = cells[p.dataIndex]!;
          return `R ${c.r} · F ${c.f}<br/>${t('segments.rfm.customers')}: <b>${f.number(c.customers)}</b><br/>${t('segments.rfm.revenue')}: <b>${fen(f, c.monetaryFen)}</b>`;
        },
      },
      xAxis: {
        type: 'category',
        name: t('segments.rfm.fAxis'),
        nameLocation: 'middle',
        nameGap: 28,
        data: ['1', '2', '3', '4', '5'],
        splitArea: { show: true },
      },
      yAxis: { type: 'category', name: t('segments.rfm.rAxis'), nameLocation: 'middle', nameGap: 24, nameRotate: 90, data: ['1', '2', '3', '4', '5'], splitArea: { show: true } },
      visualMap: {
        min: 0,
        max,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 140,
        itemWidth: 10,
        inRange: { color: ['#f0f7f6', '#8fcfc6', '#0f766e'] },
        formatter: (v: number) => f.number(Math.round(v)),
      },
      series: [
        {
          type: 'heatmap',
          data: cells.map((c) => [c.f - 1, c.r - 1, c.customers]),
          label: { show: true, formatter: (p: { value: number[] }) => f.number(p.value[2]!), fontSize: 12 },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          emphasis: { itemStyle: { borderColor: '#17212b', borderWidth: 1 } },
        },
      ],
    };
  }, [cells, f, t]);
  return <Chart option={option} label={t('segments.rfm.grid')} height={340} onClick={(hit) => cells[hit.dataIndex] && onPick(cells[hit.dataIndex]!)} />;
}

/** The customers of a clicked cell: the live preview of `r = R and f = F`. */
function CellSample({ cell }: { cell: GridCell | null }) {
  const { t } = useTranslation();
  const f = useFormat();
  const rule = cell
    ? {
        all: [
          { kind: 'rfm_score', field: 'r', op: 'eq', value: cell.r },
          { kind: 'rfm_score', field: 'f', op: 'eq', value: cell.f },
        ],
      }
    : null;
  const sample = useQuery({
    queryKey: ['segments', 'rfm', 'cell', cell?.r, cell?.f],
    queryFn: ({ signal }) => preview(rule, signal),
    enabled: !!cell,
  });
  return (
    <section className="card" data-testid="rfm-cell">
      <div className="card-head">
        <h2>{cell ? t('segments.rfm.cellTitle', { r: cell.r, f: cell.f }) : t('segments.rfm.cellPick')}</h2>
        {cell ? <span className="muted small">{t('segments.rfm.cellFigures', { customers: f.number(cell.customers), revenue: fen(f, cell.monetaryFen) })}</span> : null}
      </div>
      {!cell ? (
        <p className="muted small">{t('segments.rfm.cellHint')}</p>
      ) : sample.isPending ? (
        <Loading />
      ) : sample.isError ? (
        <ErrorState error={sample.error} />
      ) : (
        <CustomerSample sample={sample.data.sample} count={sample.data.count} limit={10} />
      )}
    </section>
  );
}

function ClassCards({ summary, totalFen }: { summary: RfmSummary; totalFen: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section aria-label={t('segments.rfm.classes')}>
      <div className="seg-section-head">
        <h2>{t('segments.rfm.classes')}</h2>
        <span className="muted small">{t('segments.rfm.classesNote')}</span>
      </div>
      <div className="seg-class-grid" data-testid="rfm-classes">
        {summary.classes.map((c) => (
          <article key={c.key} className={`card seg-class seg-class-${c.key}`} data-class={c.key}>
            <div className="seg-class-head">
              <h3>{t(`segments.class.${c.key}`)}</h3>
              <span className="muted small">{t(`segments.classRule.${c.key}`)}</span>
            </div>
            <div className="seg-class-figures">
              <div>
                <div className="kpi-label">{t('segments.rfm.customers')}</div>
                <div className="seg-big" data-testid={`class-count-${c.key}`}>
                  {f.number(c.customers)}
                </div>
                <div className="muted small">{t('segments.rfm.ofCustomers', { share: f.percent(c.share) })}</div>
              </div>
              <div>
                <div className="kpi-label">{t('segments.rfm.revenue')}</div>
                <div className="seg-big">{compactFen(f, c.monetaryFen)}</div>
                <div className="muted small" data-testid={`class-revenue-share-${c.key}`}>
                  {t('segments.rfm.ofRevenue', { share: f.percent(totalFen > 0 ? c.monetaryFen / totalFen : 0) })}
                </div>
              </div>
            </div>
            <div className="seg-treatment">
              <div className="seg-treatment-title">{t(`segments.treatment.${c.treatment.key}`, { defaultValue: c.treatment.key })}</div>
              <ul>
                {c.treatment.actions.map((a, i) => (
                  <li key={i}>{t(`segments.treatmentAction.${c.key}.${i}`, { defaultValue: a })}</li>
                ))}
              </ul>
              <div className="chips">
                {c.treatment.channels.map((ch) => (
                  <span key={ch} className="chip chip-plain">
                    {t(`segments.channel.${ch}`, { defaultValue: ch })}
                  </span>
                ))}
              </div>
            </div>
            <Link className="seg-link small" to={`/segments/${c.code}`}>
              {t('segments.rfm.openSegment')}
            </Link>
          </article>
        ))}
      </div>
    </section>
  );
}

function NamedSegments({ summary, totalFen }: { summary: RfmSummary; totalFen: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const max = Math.max(1, ...summary.segments.map((s) => s.customers));
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('segments.rfm.named')}</h2>
        <span className="muted small">{t('segments.rfm.namedNote')}</span>
      </div>
      <div className="table-wrap">
        <table className="table table-compact seg-named" data-testid="rfm-segments">
          <thead>
            <tr>
              <th>{t('segments.rfm.segment')}</th>
              <th className="num">{t('segments.rfm.customers')}</th>
              <th className="seg-bar-col hide-narrow" aria-hidden="true" />
              <th className="num">{t('segments.rfm.share')}</th>
              <th className="num">{t('segments.rfm.revenue')}</th>
              <th className="num">{t('segments.rfm.revenueShare')}</th>
              <th className="num hide-narrow">{t('segments.rfm.avgRecency')}</th>
              <th className="num hide-narrow">{t('segments.rfm.avgFrequency')}</th>
              <th className="num hide-narrow">{t('segments.rfm.avgMonetary')}</th>
            </tr>
          </thead>
          <tbody>
            {summary.segments.map((s) => (
              <tr key={s.key} data-segment={s.key}>
                <td>
                  <Link to={`/segments/${s.code}`} className="seg-name-link">
                    {t(`segments.rfmSegment.${s.key}`)}
                  </Link>
                  <div className="muted small">{t(`segments.rfmSegmentHint.${s.key}`)}</div>
                </td>
                <td className="num" data-testid={`segment-count-${s.key}`}>
                  {f.number(s.customers)}
                </td>
                <td className="seg-bar-col hide-narrow">
                  <span className="seg-bar" style={{ width: `${(100 * s.customers) / max}%` }} />
                </td>
                <td className="num">{f.percent(s.share)}</td>
                <td className="num">{fen(f, s.monetaryFen)}</td>
                <td className="num">{f.percent(totalFen > 0 ? s.monetaryFen / totalFen : 0)}</td>
                <td className="num hide-narrow">{s.avgRecencyDays === null ? '—' : t('segments.rfm.days', { days: decimal(f, s.avgRecencyDays) })}</td>
                <td className="num hide-narrow">{decimal(f, s.avgFrequency)}</td>
                <td className="num hide-narrow">{fen(f, s.avgMonetaryFen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Matrix({ m }: { m: ValueMatrix }) {
  const { t } = useTranslation();
  const f = useFormat();
  const by = new Map(m.quadrants.map((q) => [q.key, q]));
  const total = m.quadrants.reduce((s, q) => s + q.customers, 0);
  // Laid out as the matrix reads: potential up, current value to the right.
  const order = ['growth', 'strategic', 'marginal', 'basic'] as const;
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('segments.matrix.title')}</h2>
        <span className="muted small">
          {t('segments.matrix.medians', { current: fen(f, m.medianCurrentValueFen), potential: fen(f, m.medianPotentialValueFen) })}
        </span>
      </div>
      <div className="seg-matrix-wrap">
        <div className="seg-matrix-y muted small">
          <span>{t('segments.matrix.high')}</span>
          <span className="seg-matrix-axis">{t('segments.matrix.potential')}</span>
          <span>{t('segments.matrix.low')}</span>
        </div>
        <div className="seg-matrix" data-testid="value-matrix">
          {order.map((k) => {
            const q = by.get(k);
            return (
              <Link key={k} to={`/segments/value_${k}`} className={`seg-quadrant seg-quadrant-${k}`} data-quadrant={k}>
                <div className="seg-quadrant-name">{t(`segments.quadrant.${k}`)}</div>
                <div className="seg-big" data-testid={`quadrant-count-${k}`}>
                  {f.number(q?.customers ?? 0)}
                </div>
                <div className="muted small">{t('segments.rfm.ofCustomers', { share: f.percent(total > 0 ? (q?.customers ?? 0) / total : 0) })}</div>
                <div className="small">
                  {t('segments.matrix.values', { current: shortFen(f, q?.currentValueFen ?? 0), potential: shortFen(f, q?.potentialValueFen ?? 0) })}
                </div>
                <div className="muted small seg-quadrant-hint">{t(`segments.quadrantHint.${k}`)}</div>
              </Link>
            );
          })}
        </div>
        <div className="seg-matrix-x muted small">
          <span>{t('segments.matrix.low')}</span>
          <span className="seg-matrix-axis">{t('segments.matrix.current')}</span>
          <span>{t('segments.matrix.high')}</span>
        </div>
      </div>
      <p className="muted small seg-para">{t('segments.matrix.proxy')}</p>
    </section>
  );
}
