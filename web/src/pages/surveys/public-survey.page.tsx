import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/api-client';
import { usePublicSurvey, useSubmitPublicSurvey, type Answer } from '../../api/surveys.api';
import { missingAnswers, QuestionInput } from './question-input';
import './surveys.css';

/** The token of a public survey link (/s/<token>, or /survey/<token> while the server answers /s/ with its plain form), or null. */
export function publicSurveyToken(pathname: string): string | null {
  const m = /^\/(?:s|survey)\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]!) : null;
}

type Problem = 'expired' | 'answered' | 'invalid' | 'error';

/** Why a link cannot be answered, from the API's refusal. */
function problemOf(e: unknown): Problem {
  if (!isApiError(e)) return 'error';
  const code = e.body.code ?? '';
  if (e.status === 410 || /expire/.test(code)) return 'expired';
  if (e.status === 409 || /answered|responded|used/.test(code)) return 'answered';
  if (e.status === 404 || e.status === 400 || e.status === 403 || e.status === 401) return 'invalid';
  return 'error';
}

/**
 * The questionnaire a customer opens from a signed link: no sign-in, phone-sized first, in the customer's language
 * (the invitation's locale, else the browser's), with a clear word when the link expired, was answered or is not valid.
 */
export function PublicSurveyPage({ token }: { token: string }) {
  const { t, i18n } = useTranslation();
  // The invitation's locale first; once the person picks a language, that one.
  const [chosen, setChosen] = useState<'zh-CN' | 'en' | undefined>(undefined);
  const survey = usePublicSurvey(token, chosen);
  const submit = useSubmitPublicSurvey(token);
  const [answers, setAnswers] = useState<Record<string, Answer | undefined>>({});
  const [checked, setChecked] = useState(false);
  const lang: 'zh-CN' | 'en' = chosen ?? survey.data?.locale ?? (i18n.language.startsWith('zh') ? 'zh-CN' : 'en');
  useEffect(() => {
    if (lang !== i18n.language) void i18n.changeLanguage(lang);
  }, [lang, i18n]);
  useEffect(() => {
    document.title = survey.data ? `${survey.data.survey.title} · ${t('app.name')}` : t('surveys.public.title');
  }, [survey.data, t]);

  const shell = (body: ReactNode) => (
    <div className="sp-page">
      <header className="sp-top">
        <span className="sp-brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          {t('app.name')}
        </span>
        <span className="sp-lang" role="group" aria-label={t('surveys.public.language')}>
          {(['zh-CN', 'en'] as const).map((l) => (
            <button key={l} type="button" className={lang === l ? 'active' : ''} onClick={() => setChosen(l)} data-lang={l}>
              {l === 'zh-CN' ? '中文' : 'EN'}
            </button>
          ))}
        </span>
      </header>
      <main className="sp-main">{body}</main>
      <footer className="sp-foot muted small">{t('surveys.public.privacy')}</footer>
    </div>
  );

  if (survey.isPending && !survey.data) return shell(<div className="sp-card sp-state" role="status"><span className="spinner" aria-hidden="true" /></div>);
  const refused = survey.isError ? problemOf(survey.error) : submit.isError && problemOf(submit.error) !== 'invalid' && problemOf(submit.error) !== 'error' ? problemOf(submit.error) : null;
  if (refused)
    return shell(
      <div className={`sp-card sp-state sp-state-${refused}`} data-testid="survey-state" data-state={refused}>
        <div className="sp-state-icon" aria-hidden="true">
          {refused === 'answered' ? '✓' : refused === 'expired' ? '⏱' : '!'}
        </div>
        <h1>{t(`surveys.public.${refused}Title`)}</h1>
        <p className="muted">{t(`surveys.public.${refused}`)}</p>
      </div>,
    );
  if (submit.isSuccess)
    return shell(
      <div className="sp-card sp-state sp-state-thanks" data-testid="survey-state" data-state="thanks">
        <div className="sp-state-icon" aria-hidden="true">
          ♥
        </div>
        <h1>{t('surveys.public.thanksTitle')}</h1>
        <p className="muted">{t('surveys.public.thanks')}</p>
      </div>,
    );

  const s = survey.data!;
  const missing = missingAnswers(s.questions, answers);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (missing.length) {
      document.querySelector(`[data-question="${missing[0]}"]`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
      return;
    }
    const clean: Record<string, Answer> = {};
    for (const [k, v] of Object.entries(answers)) if (v !== undefined && !(Array.isArray(v) && v.length === 0)) clean[k] = typeof v === 'string' ? v.trim() : v;
    submit.mutate({ answers: clean, locale: lang });
  };
  return shell(
    <form className="sp-card sp-form" onSubmit={onSubmit} data-testid="public-survey" noValidate>
      <h1 className="sp-title">{s.survey.title}</h1>
      <p className="muted sp-intro">{t('surveys.public.intro')}</p>
      {s.questions.map((q, i) => (
        <QuestionInput key={q.id} q={q} index={i} lang={lang} value={answers[q.id]} invalid={checked && missing.includes(q.id)} onChange={(v) => setAnswers((a) => ({ ...a, [q.id]: v }))} />
      ))}
      {checked && missing.length ? (
        <div className="form-error" role="alert">
          {t('surveys.public.missing', { count: missing.length })}
        </div>
      ) : null}
      {submit.isError ? (
        <div className="form-error" role="alert">
          {submit.error.message}
        </div>
      ) : null}
      <button type="submit" className="btn btn-primary sp-submit" disabled={submit.isPending} data-testid="survey-submit">
        {t('surveys.public.submit')}
      </button>
    </form>,
  );
}
