import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import {
  BASKET_LEVELS,
  CHANNELS,
  RULES_LIMIT,
  useBasketRules,
  useBundles,
  useCustomerRecommendations,
  useProductNames,
  useTogether,
  type BasketLevel,
  type BasketRule,
  type RulesAnswer,
  type RulesRequest,
} from '../../api/basket.api';
import { useStoreNames } from '../../api/catalog.api';
import { useCustomerSearch } from '../../api/customers.api';
import { useSegments } from '../../api/segments.api';
import { isApiError } from '../../api/api-client';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Kpi } from '../segments/seg-parts';
import { decimal } from '../segments/segment-words';
import '../segments/segments.css';
import './insights.css';
import './basket.css';

const PAGE_SIZE = 20;
/** Rules drawn in the chart: the strongest by lift, so the picture stays readable. */
const CHART_RULES = 40;
const MATRIX_SIDE = 12;
type SortKey = 'lift' | 'confidence' | 'support';
type View = 'network' | 'matrix';

/** Item ids → what a person reads: product names at SKU level (when the role may read the catalog), else the id. */
type Namer = (item: string) => string;

/** The form as typed; numbers stay text until a run. */
interface Draft {
  from: string;
  to: string;
  store: string;
  channel: string;
  segment: string;
  level: BasketLevel;
  minSupport: string;
  minConfidence: string;
  minLift: string;
}
const DRAFT: Draft = { from: '', to: '', store: '', channel: '', segment: '', level: 'sku', minSupport: '0.01', minConfidence: '0.2', minLift: '1' };

/** The form as a request; thresholds are fractions (0.01 = 1%), the API's unit. A bad field is named by its key. */
function toRequest(d: Draft): { req?: RulesRequest; minLift?: number; error?: string } {
  const support = Number(d.minSupport);
  const confidence = Number(d.minConfidence);
  const lift = d.minLift.trim() === '' ? 0 : Number(d.minLift);
  if (d.minSupport.trim() === '' || !(support > 0 && support <= 1)) return { error: 'minSupport' };
  if (d.minConfidence.trim() === '' || !(confidence >= 0 && confidence <= 1)) return { error: 'minConfidence' };
  if (!(lift >= 0)) return { error: 'minLift' };
  if (d.from && d.to && d.from > d.to) return { error: 'period' };
  return {
    req: {
      level: d.level,
      minSupport: support,
      minConfidence: confidence,
      ...(d.from ? { from: d.from } : {}),
      ...(d.to ? { to: d.to } : {}),
      ...(d.store ? { stores: [d.store] } : {}),
      ...(d.channel ? { channels: [d.channel] } : {}),
      ...(d.segment ? { segment: d.segment } : {}),
    },
    minLift: lift,
  };
}

/** Measures with a fixed number of decimals, so a column of them lines up (4.00 above 1.33). */
const fixed = (f: Format, v: number, digits: number) => new Intl.NumberFormat(f.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);

const ruleKey = (r: BasketRule) => `${r.lhs.join('\u0001')}\u0002${r.rhs}`;
/** The support of a rule's right side: confidence / lift. */
const rhsSupport = (r: BasketRule) => (r.lift > 0 ? r.confidence / r.lift : 0);

/** Basket analysis: which products are bought together, as rules, a network or matrix, partners of one item, bundles. */
export function BasketPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const [draft, setDraft] = useState<Draft>(DRAFT);
  const [formError, setFormError] = useState<string | null>(null);
  const [run, setRun] = useState<{ req: RulesRequest; minLift: number } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const rules = useBasketRules(run?.req ?? null);
  const bundles = useBundles(run?.req ?? null);
  const together = useTogether(selected, run?.req ?? null);

  const kept = useMemo(() => (rules.data && run ? rules.data.rules.filter((r) => r.lift >= run.minLift) : []), [rules.data, run]);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'lift', desc: true });
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => sortRules(kept, sort.key, sort.desc), [kept, sort]);
  const pageRows = sorted.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const chartRules = useMemo(() => kept.slice(0, CHART_RULES), [kept]);

  // Names only for what is on screen: the table's page, the chart, the side panel and the bundles.
  const level = run?.req.level ?? 'sku';
  const onScreen = useMemo(() => {
    const s = new Set<string>();
    for (const r of [...pageRows, ...chartRules]) for (const x of [...r.lhs, r.rhs]) s.add(x);
    for (const b of bundles.data?.bundles ?? []) for (const x of b.items) s.add(x);
    for (const x of together.data?.suggestions ?? []) s.add(x.item);
    if (selected) s.add(selected);
    return [...s].sort();
  }, [pageRows, chartRules, bundles.data, together.data, selected]);
  const names = useProductNames(level === 'sku' ? onScreen : [], level === 'sku' && can(me, 'catalog:read'));
  const name: Namer = (item) => names.get(item) ?? item;

  const submit = () => {
    const parsed = toRequest(draft);
    if (!parsed.req) {
      setFormError(t(`basket.invalid.${parsed.error}`));
      return;
    }
    setFormError(null);
    setSelected(null);
    setPage(0);
    setRun({ req: parsed.req, minLift: parsed.minLift ?? 0 });
    if (run && JSON.stringify(run.req) === JSON.stringify(parsed.req)) void rules.refetch();
  };
  const busy = rules.isFetching;

  return (
    <div className="page seg-page ins-page basket-page">
      <div className="page-head">
        <div>
          <h1>{t('basket.title')}</h1>
          <p className="muted">{t('basket.subtitle')}</p>
        </div>
      </div>

      <FilterForm draft={draft} setDraft={setDraft} onSubmit={submit} busy={busy} error={formError ?? apiIssues(rules.error)} />

      {!run ? (
        <section className="card" data-testid="basket-start">
          <Empty title={t('basket.startTitle')}>{t('basket.startHint')}</Empty>
        </section>
      ) : rules.isPending || (busy && !rules.data) ? (
        <section className="card basket-mining" data-testid="basket-mining">
          <Loading label={t('basket.mining')} />
        </section>
      ) : rules.isError ? (
        <section className="card">
          <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
        </section>
      ) : (
        <div className={busy ? 'basket-results basket-stale' : 'basket-results'} aria-busy={busy}>
          <Kpis data={rules.data} kept={kept.length} minLift={run.minLift} f={f} />
          {kept.length === 0 ? (
            <section className="card" data-testid="basket-empty">
              <Empty title={t('basket.noRules')}>{t('basket.noRulesHint', { baskets: f.number(rules.data.baskets), minCount: f.number(rules.data.minCount) })}</Empty>
            </section>
          ) : (
            <>
              <div className="grid-2 grid-wide-left basket-top">
                <ChartCard rules={chartRules} name={name} f={f} selected={selected} onPick={setSelected} />
                <TogetherPanel item={selected} name={name} f={f} state={together} baskets={rules.data.baskets} onPick={setSelected} />
              </div>
              <RulesTable
                rows={pageRows}
                total={sorted.length}
                page={page}
                setPage={setPage}
                sort={sort}
                setSort={(key) => {
                  setPage(0);
                  setSort((s) => ({ key, desc: s.key === key ? !s.desc : true }));
                }}
                name={name}
                f={f}
                onPick={setSelected}
                truncated={rules.data.total > rules.data.rules.length}
              />
            </>
          )}
          <BundlesCard state={bundles} name={name} f={f} onPick={setSelected} />
          {can(me, 'customers:read') ? <CustomerCard level={run.req.level} f={f} /> : null}
        </div>
      )}
    </div>
  );
}

/** The API's refusal, field by field. */
function apiIssues(error: unknown): string | null {
  if (!isApiError(error, 400)) return null;
  const issues = error.body.details?.issues ?? [];
  return issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : error.message;
}

function FilterForm({
  draft,
  setDraft,
  onSubmit,
  busy,
  error,
}: {
  draft: Draft;
  setDraft: (d: Draft) => void;
  onSubmit: () => void;
  busy: boolean;
  error: string | null;
}) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const stores = useStoreNames();
  const segments = useSegments();
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <section className="card basket-filters">
      <form
        className="seg-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <label className="field settings-field basket-date">
          <span>{t('basket.from')}</span>
          <input type="date" name="from" value={draft.from} onChange={set('from')} />
        </label>
        <label className="field settings-field basket-date">
          <span>{t('basket.to')}</span>
          <input type="date" name="to" value={draft.to} onChange={set('to')} />
        </label>
        <label className="field settings-field">
          <span>{t('basket.store')}</span>
          {can(me, 'catalog:read') && stores.data ? (
            <select name="store" value={draft.store} onChange={set('store')}>
              <option value="">{t('basket.allStores')}</option>
              {[...stores.data].map(([code, storeName]) => (
                <option key={code} value={code}>
                  {storeName}
                </option>
              ))}
            </select>
          ) : (
            <input name="store" value={draft.store} onChange={set('store')} placeholder={t('basket.storeCode')} />
          )}
        </label>
        <label className="field settings-field">
          <span>{t('basket.channel')}</span>
          <select name="channel" value={draft.channel} onChange={set('channel')}>
            <option value="">{t('basket.allChannels')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field settings-field">
          <span>{t('basket.segment')}</span>
          <select name="segment" value={draft.segment} onChange={set('segment')}>
            <option value="">{t('basket.allCustomers')}</option>
            {(segments.data?.items ?? []).map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field settings-field basket-level">
          <span>{t('basket.level')}</span>
          <select name="level" value={draft.level} onChange={set('level')}>
            {BASKET_LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`basket.levels.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field settings-field seg-narrow" title={t('basket.minSupportHint')}>
          <span>{t('basket.minSupport')}</span>
          <input name="minSupport" inputMode="decimal" value={draft.minSupport} onChange={set('minSupport')} />
        </label>
        <label className="field settings-field seg-narrow" title={t('basket.minConfidenceHint')}>
          <span>{t('basket.minConfidence')}</span>
          <input name="minConfidence" inputMode="decimal" value={draft.minConfidence} onChange={set('minConfidence')} />
        </label>
        <label className="field settings-field seg-narrow" title={t('basket.minLiftHint')}>
          <span>{t('basket.minLift')}</span>
          <input name="minLift" inputMode="decimal" value={draft.minLift} onChange={set('minLift')} />
        </label>
        <button type="submit" className="btn btn-primary basket-run" disabled={busy} data-testid="basket-run">
          {busy ? <span className="spinner" aria-hidden="true" /> : null}
          {busy ? t('basket.running') : t('basket.run')}
        </button>
      </form>
      <p className="muted small basket-note">{t('basket.formNote')}</p>
      {error ? (
        <div className="form-error" role="alert" data-testid="basket-form-error">
          {error}
        </div>
      ) : null}
    </section>
  );
}

function Kpis({ data, kept, minLift, f }: { data: RulesAnswer; kept: number; minLift: number; f: Format }) {
  const { t } = useTranslation();
  const shown =
    data.rules.length < data.total
      ? t('basket.kpiRulesCut', { n: f.number(data.rules.length), total: f.number(data.total) })
      : minLift > 0
        ? t('basket.kpiRulesNote', { total: f.number(data.total), lift: decimal(f, minLift, 2) })
        : t('basket.kpiRulesAll', { total: f.number(data.total) });
  return (
    <section className="kpis" aria-label={t('basket.kpis')}>
      <Kpi label={t('basket.kpiBaskets')} value={f.number(data.baskets)} note={t('basket.kpiBasketsNote', { minCount: f.number(data.minCount) })} testId="kpi-baskets" />
      <Kpi label={t('basket.kpiRules')} value={f.number(kept)} note={shown} testId="kpi-rules" />
      <Kpi label={t('basket.kpiItems')} value={f.number(data.items)} note={t(`basket.levelNote.${data.level}`)} testId="kpi-items" />
      <Kpi label={t('basket.kpiItemsets')} value={f.number(data.itemsets)} note={t('basket.kpiItemsetsNote')} testId="kpi-itemsets" />
    </section>
  );
}

function sortRules(rules: BasketRule[], key: SortKey, desc: boolean): BasketRule[] {
  const others: SortKey[] = (['lift', 'confidence', 'support'] as const).filter((k) => k !== key);
  return [...rules].sort((a, b) => {
    if (a[key] !== b[key]) return desc ? b[key] - a[key] : a[key] - b[key];
    for (const k of others) if (a[k] !== b[k]) return b[k] - a[k];
    return ruleKey(a) < ruleKey(b) ? -1 : 1;
  });
}

function ItemButton({ item, name, onPick }: { item: string; name: Namer; onPick: (item: string) => void }) {
  const label = name(item);
  return (
    <button type="button" className="basket-item" data-item={item} title={label === item ? item : `${label} · ${item}`} onClick={() => onPick(item)}>
      {label}
    </button>
  );
}

function RuleText({ r, name, onPick }: { r: BasketRule; name: Namer; onPick: (item: string) => void }) {
  return (
    <span className="basket-rule">
      <span className="basket-side" data-testid="rule-lhs">
        {r.lhs.map((x) => (
          <ItemButton key={x} item={x} name={name} onPick={onPick} />
        ))}
      </span>
      <span className="basket-arrow" aria-hidden="true">
        ⇒
      </span>
      <span className="basket-side" data-testid="rule-rhs">
        <ItemButton item={r.rhs} name={name} onPick={onPick} />
      </span>
    </span>
  );
}

const conviction = (f: Format, v: number | 'Infinity') => (v === 'Infinity' ? '∞' : fixed(f, v, 2));

function RulesTable({
  rows,
  total,
  page,
  setPage,
  sort,
  setSort,
  name,
  f,
  onPick,
  truncated,
}: {
  rows: BasketRule[];
  total: number;
  page: number;
  setPage: (p: number) => void;
  sort: { key: SortKey; desc: boolean };
  setSort: (k: SortKey) => void;
  name: Namer;
  f: Format;
  onPick: (item: string) => void;
  truncated: boolean;
}) {
  const { t } = useTranslation();
  const th = (key: SortKey) => {
    const dir = sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none';
    return (
      <th className="num" aria-sort={dir}>
        <button type="button" className="th-sort" onClick={() => setSort(key)} data-testid={`sort-${key}`}>
          {t(`basket.${key}`)}
          <span className="sort-mark" aria-hidden="true">
            {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
          </span>
        </button>
      </th>
    );
  };
  return (
    <section className="card" data-testid="basket-rules">
      <div className="card-head">
        <h2>{t('basket.rules')}</h2>
        <span className="muted small">{truncated ? t('basket.rulesCut', { n: f.number(RULES_LIMIT) }) : t('basket.rulesNote')}</span>
      </div>
      <div className="table-wrap">
        <table className="table table-compact basket-table" data-testid="rules-table">
          <thead>
            <tr>
              <th>{t('basket.rule')}</th>
              {th('support')}
              {th('confidence')}
              {th('lift')}
              <th className="num hide-narrow">{t('basket.leverage')}</th>
              <th className="num hide-narrow">{t('basket.conviction')}</th>
              <th className="num">{t('basket.count')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={ruleKey(r)} data-rule={`${r.lhs.join('+')}=>${r.rhs}`}>
                <td>
                  <RuleText r={r} name={name} onPick={onPick} />
                </td>
                <td className="num" data-testid="rule-support">
                  {f.percent(r.support)}
                </td>
                <td className="num" data-testid="rule-confidence">
                  {f.percent(r.confidence)}
                </td>
                <td className="num" data-testid="rule-lift">
                  <LiftBar lift={r.lift} f={f} />
                </td>
                <td className="num hide-narrow">{fixed(f, r.leverage, 4)}</td>
                <td className="num hide-narrow">{conviction(f, r.conviction)}</td>
                <td className="num">{f.number(r.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <span className="muted small" data-testid="rules-page">
          {t('basket.page', { from: f.number(page * PAGE_SIZE + 1), to: f.number(page * PAGE_SIZE + rows.length), total: f.number(total) })}
        </span>
        <span className="pager-buttons">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t('basket.prev')}
          </button>
          <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE_SIZE >= total} onClick={() => setPage(page + 1)} data-testid="rules-next">
            {t('basket.next')}
          </button>
        </span>
      </div>
      <p className="muted small seg-para">{t('basket.explain')}</p>
    </section>
  );
}

/** Lift with a small bar: 1 is independence, the bar grows with the lift (full at 5). */
function LiftBar({ lift, f }: { lift: number; f: Format }) {
  const share = Math.max(0, Math.min(1, lift / 5));
  return (
    <span className={lift >= 1 ? 'basket-lift' : 'basket-lift basket-lift-low'}>
      <span className="basket-lift-bar" aria-hidden="true">
        <span style={{ width: `${share * 100}%` }} />
      </span>
      {fixed(f, lift, 2)}
    </span>
  );
}

function ChartCard({
  rules,
  name,
  f,
  selected,
  onPick,
}: {
  rules: BasketRule[];
  name: Namer;
  f: Format;
  selected: string | null;
  onPick: (item: string) => void;
}) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>('network');
  return (
    <section className="card" data-testid="basket-chart">
      <div className="card-head">
        <h2>{view === 'network' ? t('basket.network') : t('basket.matrix')}</h2>
        <div className="seg-tabs" role="group" aria-label={t('basket.view')}>
          {(['network', 'matrix'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} className={view === v ? 'seg-tab active' : 'seg-tab'} onClick={() => setView(v)} data-testid={`view-${v}`}>
              {t(`basket.views.${v}`)}
            </button>
          ))}
        </div>
      </div>
      {view === 'network' ? <NetworkChart rules={rules} name={name} f={f} selected={selected} onPick={onPick} /> : <MatrixChart rules={rules} name={name} f={f} onPick={onPick} />}
      <p className="muted small">{view === 'network' ? t('basket.networkNote', { n: rules.length }) : t('basket.matrixNote')}</p>
    </section>
  );
}

/** ECharts renders a formatter function's answer as HTML: product names (from imports, from anyone) go in escaped. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function ruleTip(t: TFunction, f: Format, name: Namer, r: BasketRule): string {
  return t('basket.ruleTip', {
    lhs: r.lhs.map((x) => escapeHtml(name(x))).join(' + '),
    rhs: escapeHtml(name(r.rhs)),
    support: f.percent(r.support),
    confidence: f.percent(r.confidence),
    lift: fixed(f, r.lift, 2),
  });
}

function NetworkChart({ rules, name, f, selected, onPick }: { rules: BasketRule[]; name: Namer; f: Format; selected: string | null; onPick: (item: string) => void }) {
  const { t } = useTranslation();
  const { option, nodes } = useMemo(() => {
    // Support of each item, read off the rules: a one-item left side's coverage, a right side's confidence / lift.
    const support = new Map<string, number>();
    for (const r of rules) {
      if (r.lhs.length === 1) support.set(r.lhs[0]!, r.coverage);
      support.set(r.rhs, rhsSupport(r));
    }
    for (const r of rules) for (const x of r.lhs) if (!support.has(x)) support.set(x, r.support);
    const ids = [...support.keys()];
    const maxSupport = Math.max(...support.values());
    const maxLift = Math.max(...rules.map((r) => r.lift));
    const edges = rules.flatMap((r) => r.lhs.map((x) => ({ r, from: x })));
    return {
      nodes: ids,
      option: {
        tooltip: {
          formatter: (p: { dataType: string; dataIndex: number }) =>
            p.dataType === 'node'
              ? t('basket.nodeTip', { item: escapeHtml(name(ids[p.dataIndex]!)), support: f.percent(support.get(ids[p.dataIndex]!)!) })
              : ruleTip(t, f, name, edges[p.dataIndex]!.r),
        },
        series: [
          {
            type: 'graph',
            layout: 'force',
            roam: true,
            draggable: true,
            force: { repulsion: 260, edgeLength: [70, 160], gravity: 0.08 },
            edgeSymbol: ['none', 'arrow'],
            edgeSymbolSize: 8,
            label: { show: true, position: 'right', fontSize: 12, color: '#1f2a37' },
            emphasis: { focus: 'adjacency', lineStyle: { width: 4 } },
            data: ids.map((id) => ({
              name: id,
              symbolSize: 14 + 34 * Math.sqrt((support.get(id) ?? 0) / (maxSupport || 1)),
              label: { formatter: name(id) },
              itemStyle: id === selected ? { color: '#f59e0b', borderColor: '#b45309', borderWidth: 2 } : { color: '#0f766e' },
            })),
            links: edges.map(({ r, from }) => ({
              source: from,
              target: r.rhs,
              lineStyle: { width: 1 + 4 * (r.lift / (maxLift || 1)), color: r.lift >= 1 ? '#6366f1' : '#94a3b8', opacity: 0.7, curveness: 0.15 },
            })),
          },
        ],
      },
    };
  }, [rules, name, f, t, selected]);
  return (
    <Chart
      option={option}
      label={t('basket.network')}
      height={380}
      onClick={(hit) => {
        if (nodes.includes(hit.name)) onPick(hit.name);
      }}
    />
  );
}

function MatrixChart({ rules, name, f, onPick }: { rules: BasketRule[]; name: Namer; f: Format; onPick: (item: string) => void }) {
  const { t } = useTranslation();
  const { option, cells } = useMemo(() => {
    const lhsOf = (r: BasketRule) => r.lhs.join('\u0001');
    const rowKeys = [...new Set(rules.map(lhsOf))].slice(0, MATRIX_SIDE);
    const colKeys = [...new Set(rules.filter((r) => rowKeys.includes(lhsOf(r))).map((r) => r.rhs))].slice(0, MATRIX_SIDE);
    const kept = rules.filter((r) => rowKeys.includes(lhsOf(r)) && colKeys.includes(r.rhs));
    const maxLift = Math.max(1, ...kept.map((r) => r.lift));
    return {
      cells: kept,
      option: {
        grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
        tooltip: { formatter: (p: { dataIndex: number }) => ruleTip(t, f, name, kept[p.dataIndex]!) },
        xAxis: { type: 'category', data: colKeys.map(name), axisLabel: { rotate: 30, interval: 0 }, name: t('basket.consequent'), nameLocation: 'middle', nameGap: 48 },
        yAxis: { type: 'category', data: rowKeys.map((k) => k.split('\u0001').map(name).join(' + ')), axisLabel: { interval: 0 }, inverse: true },
        visualMap: { min: 0, max: maxLift, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f1f5f9', '#99d5cd', '#0f766e'] }, show: false },
        series: [
          {
            type: 'heatmap',
            data: kept.map((r) => [colKeys.indexOf(r.rhs), rowKeys.indexOf(lhsOf(r)), r.lift]),
            label: { show: true, formatter: (p: { value: [number, number, number] }) => decimal(f, p.value[2], 1) },
            itemStyle: { borderColor: '#fff', borderWidth: 2 },
          },
        ],
      },
    };
  }, [rules, name, f, t]);
  return <Chart option={option} label={t('basket.matrix')} height={380} onClick={(hit) => cells[hit.dataIndex] && onPick(cells[hit.dataIndex]!.rhs)} />;
}

function TogetherPanel({
  item,
  name,
  f,
  state,
  baskets,
  onPick,
}: {
  item: string | null;
  name: Namer;
  f: Format;
  state: ReturnType<typeof useTogether>;
  baskets: number;
  onPick: (item: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <aside className="card basket-panel" data-testid="together-panel" aria-live="polite">
      <div className="card-head">
        <h2>{item ? t('basket.togetherWith', { item: name(item) }) : t('basket.together')}</h2>
      </div>
      {!item ? (
        <Empty title={t('basket.pickItem')}>{t('basket.pickItemHint')}</Empty>
      ) : state.isPending ? (
        <Loading />
      ) : state.isError ? (
        <ErrorState error={state.error} onRetry={() => void state.refetch()} />
      ) : state.data.suggestions.length === 0 ? (
        <Empty title={t('basket.togetherNone')}>{t('basket.togetherNoneHint')}</Empty>
      ) : (
        <>
          <p className="muted small">
            {t('basket.togetherNote')}
            {/* The item's own baskets: a partner's count over its confidence. */}
            {state.data.suggestions[0]
              ? ` · ${t('basket.togetherIn', { count: f.number(Math.round(state.data.suggestions[0].count / state.data.suggestions[0].confidence)), baskets: f.number(baskets) })}`
              : null}
          </p>
          <ol className="basket-partners" data-testid="together-list">
            {state.data.suggestions.map((s) => (
              <li key={s.item} data-item={s.item}>
                <div className="basket-partner-head">
                  <ItemButton item={s.item} name={name} onPick={onPick} />
                  <span className="basket-partner-lift">{t('basket.liftX', { lift: fixed(f, s.lift, 2) })}</span>
                </div>
                <div className="basket-partner-bar" aria-hidden="true">
                  <span style={{ width: `${Math.min(100, s.confidence * 100)}%` }} />
                </div>
                <div className="muted small">
                  {t('basket.togetherLine', { confidence: f.percent(s.confidence), count: f.number(s.count), baskets: f.number(baskets) })}
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}

function BundlesCard({ state, name, f, onPick }: { state: ReturnType<typeof useBundles>; name: Namer; f: Format; onPick: (item: string) => void }) {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="basket-bundles">
      <div className="card-head">
        <h2>{t('basket.bundles')}</h2>
        <span className="muted small">{t('basket.bundlesNote')}</span>
      </div>
      {state.isPending ? (
        <Loading />
      ) : state.isError ? (
        <ErrorState error={state.error} onRetry={() => void state.refetch()} />
      ) : state.data.bundles.length === 0 ? (
        <Empty title={t('basket.noBundles')} />
      ) : (
        <div className="basket-bundles">
          {state.data.bundles.map((b) => (
            <div className="basket-bundle" key={b.items.join('\u0001')} data-bundle={b.items.join('+')}>
              <div className="basket-bundle-items">
                {b.items.map((x, i) => (
                  <span key={x}>
                    {i > 0 ? <span className="basket-plus">+</span> : null}
                    <ItemButton item={x} name={name} onPick={onPick} />
                  </span>
                ))}
              </div>
              <div className="basket-bundle-figures">
                <span>{t('basket.liftX', { lift: fixed(f, b.lift, 2) })}</span>
                <span className="muted small">{t('basket.bundleBaskets', { count: f.number(b.count), support: f.percent(b.support) })}</span>
              </div>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

/** Next-best items for one customer, found by name, phone or member number: what the journeys send. */
function CustomerCard({ level, f }: { level: BasketLevel; f: Format }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  // The customer as found, not a label: the label is built at render, so it follows a language switch.
  const [customer, setCustomer] = useState<{ id: string; name: string | null; memberNo: string | null; phone: string | null } | null>(null);
  const search = useCustomerSearch(q.trim());
  const found = q.trim() === '' ? [] : (search.data?.pages[0]?.items ?? []).slice(0, 6);
  const labelOf = (c: { name: string | null; memberNo: string | null; phone: string | null }) =>
    [c.name ?? t('customer.unnamed'), c.memberNo, f.phone(c.phone)].filter((x) => x && x !== '—').join(' · ');
  const recs = useCustomerRecommendations(customer?.id ?? null, level);
  return (
    <section className="card" data-testid="basket-customer">
      <div className="card-head">
        <h2>{t('basket.forCustomer')}</h2>
        <span className="muted small">{t('basket.forCustomerNote')}</span>
      </div>
      <div className="basket-customer">
        <div className="basket-customer-search">
          <input
            name="customerSearch"
            value={q}
            placeholder={t('basket.customerSearch')}
            aria-label={t('basket.customerSearch')}
            onChange={(e) => setQ(e.target.value)}
          />
          {found.length > 0 ? (
            <ul className="basket-customer-hits" data-testid="customer-hits">
              {found.map((c) => {
                const label = labelOf(c);
                return (
                  <li key={c.id}>
                    <button
                      type="button"
                      className={customer?.id === c.id ? 'basket-item active' : 'basket-item'}
                      data-customer={c.id}
                      onClick={() => setCustomer({ id: c.id, name: c.name, memberNo: c.memberNo, phone: c.phone })}
                    >
                      {label}
                    </button>
                  </li>
                );
              })}
            </ul>
          ) : q.trim() !== '' && !search.isPending ? (
            <p className="muted small">{t('basket.customerNone')}</p>
          ) : null}
        </div>
        <div className="basket-customer-recs">
          {!customer ? (
            <Empty title={t('basket.pickCustomer')} />
          ) : recs.isPending ? (
            <Loading />
          ) : recs.isError ? (
            <ErrorState error={recs.error} onRetry={() => void recs.refetch()} />
          ) : recs.data.recommendations.length === 0 ? (
            <Empty title={t('basket.noRecommendations')} />
          ) : (
            <>
              <h3 className="seg-subhead">{t('basket.recommendationsFor', { customer: labelOf(customer) })}</h3>
              <ol className="basket-recs" data-testid="customer-recs">
                {recs.data.recommendations.map((r) => (
                  <li key={r.item} data-item={r.item}>
                    <span className="basket-rec-name">{r.name ?? r.item}</span>
                    <span className={`badge basket-kind basket-kind-${r.kind}`}>{t(`basket.kinds.${r.kind}`)}</span>
                    <span className="muted small">
                      {r.because.length ? t('basket.because', { items: r.because.map((b) => b.name ?? b.item).join(' + ') }) : t('basket.popularReason')}
                    </span>
                    <span className="basket-rec-score">{fixed(f, r.score, 2)}</span>
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
