import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { SENTIMENTS, SOURCES, useTerms, type Term } from './listening.api';
import { CHINA_REGIONS, useRegionName } from './china-tiles';
import { ListeningHead } from './listening-head';
import { CardHead, Delta, PeriodPicker, change, usePeriod } from './listening-parts';
import { WordCloud } from './word-cloud';
import './listening.css';

const KEYS = ['region', 'storeCode', 'source', 'sentiment'] as const;

/** 关键词热度: the period's hot terms as a cloud and a table against the previous period, and words new this period. */
export function KeywordsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const p = usePeriod();
  const region = useRegionName();
  const [params, setParams] = useSearchParams();
  const get = (k: (typeof KEYS)[number]) => params.get(k) ?? '';
  const [store, setStore] = useState(get('storeCode'));
  const set = (k: (typeof KEYS)[number], v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };
  const filters = Object.fromEntries(KEYS.filter((k) => get(k)).map((k) => [k, get(k)]));
  const terms = useTerms({ from: p.from, to: p.to, limit: 100, ...filters });
  const mentionsOf = (term: string) => `/listening/mentions?${new URLSearchParams({ period: p.period, ...filters, keyword: term }).toString()}`;
  const rows = [...(terms.data?.items ?? [])].sort((a, b) => b.score - a.score || b.count - a.count);

  return (
    <div className="page ls-page">
      <ListeningHead title={t('listening.keywords.title')} subtitle={t('listening.keywords.subtitle')}>
        <PeriodPicker value={p.period} onChange={p.choose} />
      </ListeningHead>
      <form
        className="ls-filters card"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          set('storeCode', store.trim());
        }}
      >
        <select name="region" value={get('region')} onChange={(e) => set('region', e.target.value)} aria-label={t('listening.mentions.region')}>
          <option value="">{t('listening.mentions.anyRegion')}</option>
          {CHINA_REGIONS.map((r) => (
            <option key={r} value={r}>
              {region(r)}
            </option>
          ))}
        </select>
        <select name="source" value={get('source')} onChange={(e) => set('source', e.target.value)} aria-label={t('listening.mentions.source')}>
          <option value="">{t('listening.mentions.anySource')}</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {t(`listening.source.${s}`)}
            </option>
          ))}
        </select>
        <select name="sentiment" value={get('sentiment')} onChange={(e) => set('sentiment', e.target.value)} aria-label={t('listening.mentions.sentiment')}>
          <option value="">{t('listening.mentions.anySentiment')}</option>
          {SENTIMENTS.map((s) => (
            <option key={s} value={s}>
              {t(`listening.sentiment.${s}`)}
            </option>
          ))}
        </select>
        <input name="storeCode" value={store} onChange={(e) => setStore(e.target.value)} onBlur={() => set('storeCode', store.trim())} placeholder={t('listening.mentions.store')} aria-label={t('listening.mentions.store')} />
      </form>

      {terms.isPending ? (
        <Loading />
      ) : terms.isError ? (
        <ErrorState error={terms.error} onRetry={() => void terms.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title={t('listening.terms.none')}>{t('listening.keywords.emptyHint')}</Empty>
      ) : (
        <>
          <section className="card ls-row">
            <CardHead title={t('listening.terms.cloud')} aside={<span className="muted small">{t('listening.keywords.legend')}</span>} />
            <WordCloud terms={rows} max={60} onPick={(term) => navigate(mentionsOf(term))} />
          </section>
          <div className="grid-2 grid-wide-left ls-row">
            <section className="card">
              <CardHead title={t('listening.keywords.trending')} />
              <div className="table-wrap">
                <table className="table ls-terms" data-testid="terms-table">
                  <thead>
                    <tr>
                      <th>{t('listening.keywords.term')}</th>
                      <th className="num">{t('listening.keywords.count')}</th>
                      <th className="num">{t('listening.keywords.previous')}</th>
                      <th className="num">{t('listening.keywords.change')}</th>
                      <th className="num">{t('listening.keywords.negatives')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, 30).map((x) => (
                      <TermRow key={x.term} x={x} to={mentionsOf(x.term)} />
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <section className="card">
              <CardHead title={t('listening.keywords.newWords')} />
              {terms.data.newWords.length === 0 ? (
                <div className="muted">{t('listening.keywords.noNewWords')}</div>
              ) : (
                <ul className="ls-new-words" data-testid="new-words">
                  {terms.data.newWords.map((w) => (
                    <li key={w.term}>
                      <Link to={mentionsOf(w.term)} className="ls-kw">
                        #{w.term}
                      </Link>
                      <span className="muted small">{f.number(w.count)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}

function TermRow({ x, to }: { x: Term; to: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const c = change(x.count, x.previous);
  return (
    <tr data-term={x.term}>
      <td>
        <Link to={to} className="strong-link">
          {x.term}
        </Link>
        {x.rising ? <span className="badge badge-warn ls-rising">{t('listening.keywords.rising')}</span> : null}
      </td>
      <td className="num">{f.number(x.count)}</td>
      <td className="num">{f.number(x.previous)}</td>
      <td className="num">{c === null ? <span className="badge">{t('listening.keywords.new')}</span> : <Delta value={c} text={f.percent(Math.abs(c))} badWhenUp />}</td>
      <td className="num">{f.number(x.negatives)}</td>
    </tr>
  );
}
