import type { Answer, PublicQuestion } from '../../api/surveys.api';

/** A face from very unhappy (1) to very happy (5), drawn rather than an emoji (phones and kiosks lack emoji fonts). */
function Face({ level }: { level: number }) {
  const bend = (level - 3) * 2.5;
  return (
    <svg viewBox="0 0 24 24" width="30" height="30" aria-hidden="true" className={`sq-face-svg sq-face-${level}`}>
      <circle cx="12" cy="12" r="10.5" />
      <circle cx="8.5" cy="9.5" r="1.3" className="sq-face-eye" />
      <circle cx="15.5" cy="9.5" r="1.3" className="sq-face-eye" />
      <path d={`M7.5 ${15.5 - bend / 2} Q12 ${15.5 + bend} 16.5 ${15.5 - bend / 2}`} className="sq-face-mouth" />
    </svg>
  );
}

/** Words of the questionnaire itself, in the respondent's language (the console's i18n is not loaded for them to pick). */
export const SURVEY_WORDS = {
  'zh-CN': {
    npsLow: '完全不可能',
    npsHigh: '非常可能',
    csat: ['非常不满意', '不满意', '一般', '满意', '非常满意'],
    required: '必答',
    textPlaceholder: '请写下您的想法（选填）',
  },
  en: {
    npsLow: 'Not at all likely',
    npsHigh: 'Extremely likely',
    csat: ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'],
    required: 'Required',
    textPlaceholder: 'Tell us what you think (optional)',
  },
} as const;

/** One question as a respondent answers it: NPS 0–10, CSAT faces 1–5, stars, single or multiple choice, free text. */
export function QuestionInput({
  q,
  value,
  onChange,
  lang,
  index,
  invalid,
}: {
  q: PublicQuestion;
  value: Answer | undefined;
  onChange: (v: Answer | undefined) => void;
  lang: 'zh-CN' | 'en';
  index: number;
  invalid?: boolean;
}) {
  const w = SURVEY_WORDS[lang];
  const title = q.title;
  const name = `q-${q.id}`;
  return (
    <fieldset className={invalid ? 'sq sq-invalid' : 'sq'} data-question={q.id} data-type={q.type}>
      <legend className="sq-title">
        <span className="sq-no">{index + 1}</span>
        <span>{title}</span>
        {q.required ? (
          <span className="sq-req" aria-label={w.required}>
            *
          </span>
        ) : null}
      </legend>
      {q.type === 'nps' ? (
        <div className="sq-nps">
          <div className="sq-scale" role="radiogroup" aria-label={title}>
            {Array.from({ length: 11 }, (_, n) => (
              <button key={n} type="button" role="radio" aria-checked={value === n} className={`sq-n ${value === n ? 'active' : ''} ${n <= 6 ? 'sq-det' : n <= 8 ? 'sq-pas' : 'sq-pro'}`} data-value={n} onClick={() => onChange(n)}>
                {n}
              </button>
            ))}
          </div>
          <div className="sq-ends">
            <span>{w.npsLow}</span>
            <span>{w.npsHigh}</span>
          </div>
        </div>
      ) : q.type === 'csat' ? (
        <div className="sq-csat" role="radiogroup" aria-label={title}>
          {w.csat.map((label, i) => (
            <button key={i} type="button" role="radio" aria-checked={value === i + 1} className={value === i + 1 ? 'sq-face active' : 'sq-face'} data-value={i + 1} onClick={() => onChange(i + 1)} title={label}>
              <Face level={i + 1} />
              <span className="sq-face-label">{label}</span>
            </button>
          ))}
        </div>
      ) : q.type === 'rating' ? (
        <div className="sq-stars" role="radiogroup" aria-label={title}>
          {Array.from({ length: q.scale?.max ?? 5 }, (_, i) => (
            <button key={i} type="button" role="radio" aria-checked={value === i + 1} aria-label={String(i + 1)} className={typeof value === 'number' && value >= i + 1 ? 'sq-star on' : 'sq-star'} data-value={i + 1} onClick={() => onChange(i + 1)}>
              ★
            </button>
          ))}
        </div>
      ) : q.type === 'single' ? (
        <div className="sq-options">
          {(q.options ?? []).map((o) => (
            <label key={o.value} className={value === o.value ? 'sq-option active' : 'sq-option'}>
              <input type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
              {o.label}
            </label>
          ))}
        </div>
      ) : q.type === 'multi' ? (
        <div className="sq-options">
          {(q.options ?? []).map((o) => {
            const picked = Array.isArray(value) ? value : [];
            const on = picked.includes(o.value);
            return (
              <label key={o.value} className={on ? 'sq-option active' : 'sq-option'}>
                <input type="checkbox" name={name} value={o.value} checked={on} onChange={() => onChange(on ? picked.filter((x) => x !== o.value) : [...picked, o.value])} />
                {o.label}
              </label>
            );
          })}
        </div>
      ) : (
        <textarea className="sq-text" name={name} rows={4} maxLength={2000} value={typeof value === 'string' ? value : ''} placeholder={w.textPlaceholder} onChange={(e) => onChange(e.target.value || undefined)} />
      )}
    </fieldset>
  );
}

/** Whether every required question has an answer; the ids of those missing. */
export function missingAnswers(questions: PublicQuestion[], answers: Record<string, Answer | undefined>): string[] {
  return questions
    .filter((q) => q.required)
    .filter((q) => {
      const v = answers[q.id];
      return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    })
    .map((q) => q.id);
}
