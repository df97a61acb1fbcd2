import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { ASPECTS, SENTIMENTS, SOURCES, useMentions, useScoreTexts, type Mention, type MentionFilters } from './listening.api';
import { CHINA_REGIONS, useRegionName } from './china-tiles';
import { ListeningHead } from './listening-head';
import { Highlight, PeriodPicker, SentimentChip, SourceBadge, usePeriod } from './listening-parts';
import './listening.css';

const FILTERS = ['source', 'sentiment', 'region', 'storeCode', 'sku', 'keyword', 'aspect', 'q'] as const;
type FilterKey = (typeof FILTERS)[number];

/** The URL's filters, and a setter that keeps the period and drops emptied keys. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const get = (k: FilterKey) => params.get(k) ?? '';
  const set = (changes: Partial<Record<FilterKey, string>>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  return { get, set, any: FILTERS.some((k) => params.get(k)) };
}

/** 声量明细: the mention stream, filtered by period, source, sentiment, region, store, product, keyword, aspect and text. */
export function MentionsPage() {
  const { t } = useTranslation();
  const p = usePeriod();
  const { get, set, any } = useFilters();
  const region = useRegionName();
  const [q, setQ] = useState(get('q'));
  const [store, setStore] = useState(get('storeCode'));
  const [sku, setSku] = useState(get('sku'));
  const [keyword, setKeyword] = useState(get('keyword'));
  const filters: MentionFilters = { from: p.from, to: p.to, limit: 30 };
  for (const k of FILTERS) if (get(k)) filters[k] = get(k);
  const list = useMentions(filters);
  const items = list.data?.pages.flatMap((x) => x.items) ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    set({ q: q.trim(), storeCode: store.trim(), sku: sku.trim(), keyword: keyword.trim() });
  };
  const pickKeyword = (k: string) => {
    setKeyword(k);
    set({ keyword: k });
  };
  /** Drops one filter, emptying its box too. */
  const remove = (k: FilterKey) => {
    ({ q: setQ, storeCode: setStore, sku: setSku, keyword: setKeyword } as Partial<Record<FilterKey, (v: string) => void>>)[k]?.('');
    set({ [k]: '' });
  };
  const clear = () => {
    setQ('');
    setStore('');
    setSku('');
    setKeyword('');
    set(Object.fromEntries(FILTERS.map((k) => [k, ''])));
  };

  return (
    <div className="page ls-page">
      <ListeningHead title={t('listening.mentions.title')} subtitle={t('listening.mentions.subtitle')}>
        <PeriodPicker value={p.period} onChange={p.choose} />
      </ListeningHead>

      <div className="ls-stream-layout">
        <section className="card ls-stream">
          <form className="ls-filters" onSubmit={submit} role="search">
            <select name="source" value={get('source')} onChange={(e) => set({ source: e.target.value })} aria-label={t('listening.mentions.source')}>
              <option value="">{t('listening.mentions.anySource')}</option>
              {SOURCES.map((s) => (
                <option key={s} value={s}>
                  {t(`listening.source.${s}`)}
                </option>
              ))}
            </select>
            <select name="sentiment" value={get('sentiment')} onChange={(e) => set({ sentiment: e.target.value })} aria-label={t('listening.mentions.sentiment')}>
              <option value="">{t('listening.mentions.anySentiment')}</option>
              {SENTIMENTS.map((s) => (
                <option key={s} value={s}>
                  {t(`listening.sentiment.${s}`)}
                </option>
              ))}
            </select>
            <select name="region" value={get('region')} onChange={(e) => set({ region: e.target.value })} aria-label={t('listening.mentions.region')}>
              <option value="">{t('listening.mentions.anyRegion')}</option>
              {CHINA_REGIONS.map((r) => (
                <option key={r} value={r}>
                  {region(r)}
                </option>
              ))}
              {get('region') && !CHINA_REGIONS.includes(get('region')) ? <option value={get('region')}>{get('region')}</option> : null}
            </select>
            <select name="aspect" value={get('aspect')} onChange={(e) => set({ aspect: e.target.value })} aria-label={t('listening.mentions.aspect')}>
              <option value="">{t('listening.mentions.anyAspect')}</option>
              {ASPECTS.map((a) => (
                <option key={a} value={a}>
                  {t(`listening.aspect.${a}`)}
                </option>
              ))}
            </select>
            <input name="storeCode" value={store} onChange={(e) => setStore(e.target.value)} placeholder={t('listening.mentions.store')} aria-label={t('listening.mentions.store')} />
            <input name="sku" value={sku} onChange={(e) => setSku(e.target.value)} placeholder={t('listening.mentions.sku')} aria-label={t('listening.mentions.sku')} />
            <input name="keyword" value={keyword} onChange={(e) => setKeyword(e.target.value)} placeholder={t('listening.mentions.filter.keyword')} aria-label={t('listening.mentions.filter.keyword')} />
            <span className="ls-search">
              <Icon name="search" size={16} />
              <input type="search" name="q" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('listening.mentions.search')} aria-label={t('listening.mentions.search')} />
            </span>
            <button type="submit" className="btn btn-small">
              {t('listening.mentions.apply')}
            </button>
          </form>
          {any ? (
            <div className="chips ls-active-filters" data-testid="active-filters">
              {FILTERS.filter((k) => get(k)).map((k) => (
                <button key={k} type="button" className="chip chip-removable" onClick={() => remove(k)} aria-label={t('listening.mentions.remove', { what: get(k) })}>
                  {t(`listening.mentions.filter.${k}`)}: {k === 'source' ? t(`listening.source.${get(k)}`) : k === 'sentiment' ? t(`listening.sentiment.${get(k)}`) : k === 'aspect' ? t(`listening.aspect.${get(k)}`) : k === 'region' ? region(get(k)) : get(k)} ×
                </button>
              ))}
              <button type="button" className="btn btn-ghost btn-small" onClick={clear}>
                {t('listening.mentions.clear')}
              </button>
            </div>
          ) : null}

          {list.isPending ? (
            <Loading />
          ) : list.isError ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : items.length === 0 ? (
            <Empty title={t('listening.mentions.empty')}>{t('listening.mentions.emptyHint')}</Empty>
          ) : (
            <>
              <ol className="ls-mentions" data-testid="mention-list">
                {items.map((m) => (
                  <MentionRow key={m.id} m={m} highlight={[get('keyword'), get('q')]} onKeyword={pickKeyword} onAspect={(aspect) => set({ aspect })} />
                ))}
              </ol>
              <div className="ls-more">
                {list.hasNextPage ? (
                  <button type="button" className="btn" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="load-more">
                    {list.isFetchingNextPage ? t('common.loading') : t('listening.mentions.more')}
                  </button>
                ) : (
                  <span className="muted small">{t('listening.mentions.end', { count: items.length })}</span>
                )}
              </div>
            </>
          )}
        </section>
        <TryModel />
      </div>
    </div>
  );
}

/** One mention: where and who, when, the text with the searched words marked, its sentiment, aspects and keywords. */
function MentionRow({ m, highlight, onKeyword, onAspect }: { m: Mention; highlight: string[]; onKeyword: (k: string) => void; onAspect: (a: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const region = useRegionName();
  const place = [m.region ? region(m.region) : null, m.city, m.storeCode].filter(Boolean).join(' · ');
  return (
    <li className={`ls-mention ls-mention-${m.sentiment.label}`} data-id={m.id} data-sentiment={m.sentiment.label}>
      <div className="ls-mention-head">
        <SourceBadge source={m.source} />
        <span className="ls-author">{m.author ?? t('listening.mentions.anonymous')}</span>
        <time className="muted small" dateTime={m.postedAt}>
          {f.dateTime(m.postedAt)}
        </time>
        {place ? <span className="muted small">{place}</span> : null}
        {m.sku ? <span className="muted small mono">{m.sku}</span> : null}
        <span className="ls-mention-senti">
          <SentimentChip label={m.sentiment.label} score={m.sentiment.score} />
        </span>
      </div>
      <p className="ls-text">
        <Highlight text={m.text} terms={highlight} />
      </p>
      <div className="ls-mention-foot">
        {m.aspects.map((a) => (
          <button key={`a-${a}`} type="button" className="ls-aspect" data-aspect={a} onClick={() => onAspect(a)}>
            {t(`listening.aspect.${a}`, { defaultValue: a })}
          </button>
        ))}
        {m.keywords.map((k) => (
          <button key={`k-${k}`} type="button" className="ls-kw" data-keyword={k} onClick={() => onKeyword(k)}>
            #{k}
          </button>
        ))}
        <span className="ls-engage muted small">
          <Engagement kind="likes" n={m.likes} />
          <Engagement kind="comments" n={m.comments} />
          <Engagement kind="shares" n={m.shares} />
          {m.views ? <Engagement kind="views" n={m.views} /> : null}
        </span>
        {m.customerId ? (
          <Link className="ls-customer" to={`/customers/${m.customerId}`} data-testid="mention-customer">
            {t('listening.mentions.customer')}
          </Link>
        ) : null}
        {m.url ? (
          <a className="ls-original" href={m.url} target="_blank" rel="noreferrer noopener">
            {t('listening.mentions.original')}
          </a>
        ) : null}
      </div>
    </li>
  );
}

const ENGAGEMENT_PATHS = {
  likes: 'M12 20s-7-4.35-7-10a4 4 0 0 1 7-2.65A4 4 0 0 1 19 10c0 5.65-7 10-7 10z',
  comments: 'M4 5h16v11H8l-4 4z',
  shares: 'M14 5l6 6-6 6M20 11H9a5 5 0 0 0-5 5v2',
  views: 'M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zm10 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
} as const;

/** Likes, comments, shares or views as a small line icon and the count (its name as the tooltip). */
function Engagement({ kind, n }: { kind: keyof typeof ENGAGEMENT_PATHS; n: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <span className="ls-engage-item" title={t(`listening.mentions.${kind}`)} data-engagement={kind}>
      <svg width="13" height="13" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d={ENGAGEMENT_PATHS[kind]} />
      </svg>
      <span className="sr-only">{t(`listening.mentions.${kind}`)}</span>
      {f.number(n)}
    </span>
  );
}

/** "Try the model": sentences typed in, the sentiment model's label, score, confidence and aspects for each. */
function TryModel() {
  const { t } = useTranslation();
  const f = useFormat();
  const score = useScoreTexts();
  const [text, setText] = useState('');
  const lines = text.split('\n').map((x) => x.trim()).filter(Boolean).slice(0, 20);
  return (
    <aside className="card ls-try" aria-labelledby="ls-try-title">
      <h2 id="ls-try-title">{t('listening.try.title')}</h2>
      <p className="muted small">{t('listening.try.hint')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (lines.length) score.mutate(lines);
        }}
      >
        <textarea name="try" rows={4} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('listening.try.placeholder')} />
        <button type="submit" className="btn btn-primary btn-small" disabled={!lines.length || score.isPending}>
          {t('listening.try.run')}
        </button>
      </form>
      {score.isError ? <div className="form-error">{score.error.message}</div> : null}
      {score.data ? (
        <ul className="ls-try-results" data-testid="try-results">
          {score.data.items.map((r, i) => (
            <li key={i}>
              <span className="ls-try-text">{score.variables?.[i]}</span>
              <span className="ls-try-verdict">
                <SentimentChip label={r.label} score={r.score} />
                <span className="muted small">{t('listening.try.probability', { p: f.percent(r.probability) })}</span>
                {r.aspects.map((a) => (
                  <span key={a} className="ls-aspect">
                    {t(`listening.aspect.${a}`, { defaultValue: a })}
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </aside>
  );
}
