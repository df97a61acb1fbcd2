import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format/format';
import type { Term } from './listening.api';

const MIN_PX = 13;
const MAX_PX = 36;

/** Biggest in the middle: the terms by count, dealt alternately to the right and the left of the centre. */
function centred<T>(sorted: readonly T[]): T[] {
  const left: T[] = [];
  const right: T[] = [];
  sorted.forEach((x, i) => (i % 2 === 0 ? right : left).push(x));
  return [...left.reverse(), ...right];
}

/** How negative a term's mentions are, as a tone: mostly negative, mixed, or calm. */
const toneOf = (x: Term) => {
  const share = x.count ? x.negatives / x.count : 0;
  return share >= 0.5 ? 'neg' : share >= 0.2 ? 'mixed' : 'calm';
};

/**
 * A word cloud of hot terms in plain HTML: size by count (square-root scale), colour by how negative the term's
 * mentions are, rising terms marked; each term a button (clicking filters by it).
 */
export function WordCloud({ terms, onPick, max = 40 }: { terms: Term[]; onPick?: (term: string) => void; max?: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const top = [...terms].sort((a, b) => b.count - a.count || a.term.localeCompare(b.term)).slice(0, max);
  if (top.length === 0) return <div className="muted ls-cloud-empty">{t('listening.terms.none')}</div>;
  const hi = Math.sqrt(top[0]!.count);
  const lo = Math.sqrt(top[top.length - 1]!.count);
  const size = (n: number) => (hi === lo ? (MIN_PX + MAX_PX) / 2 : MIN_PX + ((Math.sqrt(n) - lo) / (hi - lo)) * (MAX_PX - MIN_PX));
  return (
    <div className="ls-cloud" data-testid="word-cloud" role="list" aria-label={t('listening.terms.cloud')}>
      {centred(top).map((x) => (
        <button
          key={x.term}
          type="button"
          role="listitem"
          className={`ls-word ls-word-${toneOf(x)}${x.rising ? ' ls-word-rising' : ''}`}
          style={{ fontSize: `${size(x.count).toFixed(1)}px` }}
          title={t('listening.terms.wordTip', { term: x.term, count: f.number(x.count), negatives: f.number(x.negatives) })}
          data-term={x.term}
          onClick={onPick ? () => onPick(x.term) : undefined}
        >
          {x.term}
        </button>
      ))}
    </div>
  );
}
