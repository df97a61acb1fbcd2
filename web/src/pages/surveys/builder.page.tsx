import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../../api/api-client';
import {
  QUESTION_TYPES,
  SURVEY_TRIGGERS,
  useSaveSurvey,
  useSurvey,
  useSurveyAction,
  type Answer,
  type Question,
  type QuestionType,
  type Survey,
  inLanguage,
  type SurveyInput,
  type SurveySettings,
  type SurveyTrigger,
} from '../../api/surveys.api';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { QuestionInput } from './question-input';
import { SurveyStatusBadge } from './surveys.page';
import '../service/service.css';
import './surveys.css';

/** The builder: new (/surveys/new) or an existing survey (/surveys/:id). */
export function SurveyBuilderPage() {
  const { id } = useParams();
  const survey = useSurvey(id);
  if (id && survey.isPending) return <Loading />;
  if (id && survey.isError) return <ErrorState error={survey.error} onRetry={() => void survey.refetch()} />;
  return <Builder key={id ?? 'new'} existing={survey.data} />;
}

const STARTER: Record<QuestionType, () => Omit<Question, 'id'>> = {
  nps: () => ({ type: 'nps', title: { 'zh-CN': '您有多大可能把我们推荐给朋友或同事？', en: 'How likely are you to recommend us to a friend or colleague?' }, required: true }),
  csat: () => ({ type: 'csat', title: { 'zh-CN': '您对这次服务满意吗？', en: 'How satisfied are you with the service?' }, required: true }),
  rating: () => ({ type: 'rating', title: { 'zh-CN': '请为导购的专业程度打分', en: 'Rate how knowledgeable our staff were' }, required: false }),
  single: () => ({
    type: 'single',
    title: { 'zh-CN': '', en: '' },
    required: false,
    options: [
      { value: 'a', label: { 'zh-CN': '', en: '' } },
      { value: 'b', label: { 'zh-CN': '', en: '' } },
    ],
  }),
  multi: () => ({
    type: 'multi',
    title: { 'zh-CN': '', en: '' },
    required: false,
    options: [
      { value: 'a', label: { 'zh-CN': '', en: '' } },
      { value: 'b', label: { 'zh-CN': '', en: '' } },
    ],
  }),
  text: () => ({ type: 'text', title: { 'zh-CN': '还有什么想告诉我们的吗？', en: 'Anything else you would like to tell us?' }, required: false }),
};

const nextId = (qs: Question[], type: string) => {
  let n = 1;
  while (qs.some((q) => q.id === `${type}_${n}`)) n++;
  return `${type}_${n}`;
};

function Builder({ existing }: { existing: Survey | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const save = useSaveSurvey();
  const action = useSurveyAction();
  const [code, setCode] = useState(existing?.code ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [nameEn, setNameEn] = useState(existing?.settings.title?.en ?? '');
  const [trigger, setTrigger] = useState<SurveyTrigger>(existing?.trigger ?? 'after_ticket');
  const [delayDays, setDelayDays] = useState(String(existing?.settings.delayDays ?? 7));
  const [windowMin, setWindowMin] = useState(String(existing?.settings.delayWindowDays?.min ?? 3));
  const [windowMax, setWindowMax] = useState(String(existing?.settings.delayWindowDays?.max ?? 5));
  const [validDays, setValidDays] = useState(String(existing?.settings.validDays ?? 14));
  const [channel, setChannel] = useState<NonNullable<SurveySettings['channel']>>(existing?.settings.channel ?? 'auto');
  const [cadence, setCadence] = useState<'month' | 'quarter'>(existing?.settings.cadence ?? 'quarter');
  const [segment, setSegment] = useState(existing?.settings.segment ?? '');
  const [questions, setQuestions] = useState<Question[]>(existing?.questions ?? [{ id: 'nps_1', ...STARTER.nps() }]);
  const [selected, setSelected] = useState<string | null>(questions[0]?.id ?? null);
  const [previewLang, setPreviewLang] = useState<'zh-CN' | 'en'>('zh-CN');
  const [previewAnswers, setPreviewAnswers] = useState<Record<string, Answer | undefined>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [code, name, nameEn, trigger, delayDays, windowMin, windowMax, validDays, channel, cadence, segment, questions]);

  const issues = isApiError(save.error) ? (save.error.body.details?.issues ?? []) : [];
  const issueAt = (prefix: string) => issues.filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`)).map((i) => i.message);

  const update = (id: string, change: Partial<Question>) => setQuestions((qs) => qs.map((q) => (q.id === id ? { ...q, ...change } : q)));
  const move = (i: number, by: -1 | 1) =>
    setQuestions((qs) => {
      const j = i + by;
      if (j < 0 || j >= qs.length) return qs;
      const next = [...qs];
      [next[i], next[j]] = [next[j]!, next[i]!];
      return next;
    });
  const add = (type: QuestionType) => {
    const id = nextId(questions, type);
    setQuestions((qs) => [...qs, { id, ...STARTER[type]() }]);
    setSelected(id);
  };

  const body = (): SurveyInput => ({
    code: code.trim(),
    name: name.trim(),
    trigger,
    settings: {
      ...(existing?.settings.template ? { template: existing.settings.template } : {}),
      ...(existing?.settings.cooldownDays ? { cooldownDays: existing.settings.cooldownDays } : {}),
      ...(nameEn.trim() ? { title: { 'zh-CN': existing?.settings.title?.['zh-CN'] ?? name.trim(), en: nameEn.trim() } } : {}),
      ...(trigger === 'after_purchase' ? { delayDays: Number(delayDays) } : {}),
      ...(trigger === 'after_ticket' ? { delayWindowDays: { min: Number(windowMin), max: Number(windowMax) } } : {}),
      ...(trigger === 'periodic' ? { cadence, ...(segment.trim() ? { segment: segment.trim() } : {}) } : {}),
      validDays: Number(validDays),
      channel,
    },
    questions: questions.map((q) => ({
      id: q.id,
      type: q.type,
      title: { 'zh-CN': q.title['zh-CN'].trim(), en: q.title.en.trim() },
      required: q.required,
      ...(q.options && (q.type === 'single' || q.type === 'multi') ? { options: q.options.map((o) => ({ value: o.value.trim(), label: { 'zh-CN': o.label['zh-CN'].trim(), en: o.label.en.trim() } })) } : {}),
    })),
  });
  const onSave = (then?: (s: Survey) => void) =>
    save.mutate(
      { id: existing?.id, body: body() },
      {
        onSuccess: (s) => {
          setSaved(true);
          if (then) then(s);
          else if (!existing) navigate(`/surveys/${s.id}`, { replace: true });
        },
      },
    );

  return (
    <div className="page sv-page sy-builder-page">
      <Link to="/surveys" className="back-link">
        <Icon name="back" size={16} />
        {t('surveys.builder.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>
            {existing ? existing.name : t('surveys.builder.newTitle')}
            {existing ? <SurveyStatusBadge status={existing.status} /> : null}
          </h1>
          <p className="muted">{t('surveys.builder.subtitle')}</p>
        </div>
        <div className="sv-head-actions">
          {saved ? (
            <span className="sy-saved" data-testid="survey-saved">
              <Icon name="check" size={16} />
              {t('surveys.builder.saved')}
            </span>
          ) : null}
          <button type="button" className="btn" onClick={() => onSave()} disabled={save.isPending} data-testid="survey-save">
            {t('surveys.builder.save')}
          </button>
          {!existing || existing.status === 'draft' ? (
            <button
              type="button"
              className="btn btn-primary"
              disabled={save.isPending || action.isPending}
              data-testid="survey-publish"
              onClick={() => onSave((s) => action.mutate({ id: s.id, action: 'activate' }, { onSuccess: () => navigate('/surveys') }))}
            >
              {t('surveys.builder.publish')}
            </button>
          ) : null}
        </div>
      </div>
      {issues.length > 0 ? (
        <div className="form-error" role="alert" data-testid="survey-issues">
          <ul>
            {issues.map((i, n) => (
              <li key={n}>
                <span className="mono">{i.path}</span>: {i.message}
              </li>
            ))}
          </ul>
        </div>
      ) : save.isError ? (
        <div className="form-error" role="alert">
          {save.error.message}
        </div>
      ) : null}
      {action.isError ? (
        <div className="form-error" role="alert">
          {action.error.message}
        </div>
      ) : null}

      <div className="sy-builder">
        <div className="sy-build-col">
          <section className="card">
            <div className="card-head">
              <h2>{t('surveys.builder.settings')}</h2>
            </div>
            <div className="sv-form-grid">
              <label className={issueAt('code').length ? 'sv-f invalid' : 'sv-f'}>
                <span>{t('surveys.builder.code')}</span>
                <input name="code" value={code} onChange={(e) => setCode(e.target.value)} disabled={!!existing} placeholder="post_ticket_csat" />
              </label>
              <label className={issueAt('name').length ? 'sv-f invalid' : 'sv-f'}>
                <span>{t('surveys.builder.name')}</span>
                <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
              </label>
              <label className="sv-f">
                <span>{t('surveys.builder.nameEn')}</span>
                <input name="name-en" value={nameEn} onChange={(e) => setNameEn(e.target.value)} placeholder="Store visit survey" />
              </label>
              <label className="sv-f">
                <span>{t('surveys.builder.trigger')}</span>
                <select name="trigger" value={trigger} onChange={(e) => setTrigger(e.target.value as SurveyTrigger)}>
                  {SURVEY_TRIGGERS.map((x) => (
                    <option key={x} value={x}>
                      {t(`surveys.trigger.${x}`)}
                    </option>
                  ))}
                </select>
              </label>
              {trigger === 'after_purchase' ? (
                <label className={issueAt('settings.delayDays').length ? 'sv-f invalid' : 'sv-f'}>
                  <span>{t('surveys.builder.delayDays')}</span>
                  <input name="delay-days" type="number" min={0} max={90} value={delayDays} onChange={(e) => setDelayDays(e.target.value)} />
                  {issueAt('settings.delayDays')[0] ? <small className="field-error">{issueAt('settings.delayDays')[0]}</small> : null}
                </label>
              ) : null}
              {trigger === 'after_ticket' ? (
                <div className={issueAt('settings.delayWindowDays').length ? 'sv-f invalid' : 'sv-f'}>
                  <span>{t('surveys.builder.window')}</span>
                  <span className="sy-window">
                    <input name="window-min" type="number" min={3} max={5} value={windowMin} onChange={(e) => setWindowMin(e.target.value)} aria-label={t('surveys.builder.windowMin')} />
                    <span className="muted">–</span>
                    <input name="window-max" type="number" min={3} max={5} value={windowMax} onChange={(e) => setWindowMax(e.target.value)} aria-label={t('surveys.builder.windowMax')} />
                    <span className="muted small">{t('surveys.builder.days')}</span>
                  </span>
                  {issueAt('settings.delayWindowDays')[0] ? <small className="field-error">{issueAt('settings.delayWindowDays')[0]}</small> : null}
                </div>
              ) : null}
              {trigger === 'periodic' ? (
                <>
                  <label className="sv-f">
                    <span>{t('surveys.builder.cadence')}</span>
                    <select name="cadence" value={cadence} onChange={(e) => setCadence(e.target.value as 'month' | 'quarter')}>
                      {(['month', 'quarter'] as const).map((c) => (
                        <option key={c} value={c}>
                          {t(`surveys.cadence.${c}`)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className={issueAt('settings.segment').length ? 'sv-f invalid' : 'sv-f'}>
                    <span>{t('surveys.builder.segment')}</span>
                    <input name="segment" value={segment} onChange={(e) => setSegment(e.target.value)} placeholder="vip_members" />
                    {issueAt('settings.segment')[0] ? <small className="field-error">{issueAt('settings.segment')[0]}</small> : null}
                  </label>
                </>
              ) : null}
              <label className="sv-f">
                <span>{t('surveys.builder.validDays')}</span>
                <input name="valid-days" type="number" min={1} max={90} value={validDays} onChange={(e) => setValidDays(e.target.value)} />
              </label>
              <label className="sv-f">
                <span>{t('surveys.builder.channel')}</span>
                <select name="channel" value={channel} onChange={(e) => setChannel(e.target.value as NonNullable<SurveySettings['channel']>)}>
                  {(['auto', 'sms', 'email', 'wechat', 'app_push'] as const).map((c) => (
                    <option key={c} value={c}>
                      {t(`surveys.channel.${c}`)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </section>

          <section className="card">
            <div className="card-head">
              <h2>{t('surveys.builder.questions')}</h2>
              <span className="muted small">{t('surveys.builder.questionCount', { count: questions.length })}</span>
            </div>
            <ol className="sy-qlist" data-testid="question-list">
              {questions.map((q, i) => (
                <li key={q.id} className={selected === q.id ? 'sy-q selected' : 'sy-q'} data-question={q.id} data-type={q.type}>
                  <div className="sy-q-head" onClick={() => setSelected(selected === q.id ? null : q.id)}>
                    <span className="sq-no">{i + 1}</span>
                    <span className={`sy-type sy-type-${q.type}`}>{t(`surveys.qtype.${q.type}`)}</span>
                    <span className="sy-q-title">{q.title['zh-CN'] || q.title.en || <span className="muted">{t('surveys.builder.untitled')}</span>}</span>
                    {q.required ? <span className="badge badge-muted">{t('surveys.builder.required')}</span> : null}
                    <span className="sy-q-tools" onClick={(e) => e.stopPropagation()}>
                      <button type="button" className="btn btn-ghost btn-small" aria-label={t('surveys.builder.up')} disabled={i === 0} onClick={() => move(i, -1)} data-action="up">
                        ↑
                      </button>
                      <button type="button" className="btn btn-ghost btn-small" aria-label={t('surveys.builder.down')} disabled={i === questions.length - 1} onClick={() => move(i, 1)} data-action="down">
                        ↓
                      </button>
                      <button type="button" className="btn btn-ghost btn-small" aria-label={t('surveys.builder.remove')} onClick={() => setQuestions((qs) => qs.filter((x) => x.id !== q.id))} data-action="remove">
                        ✕
                      </button>
                    </span>
                  </div>
                  {selected === q.id ? <QuestionEditor q={q} onChange={(c) => update(q.id, c)} problems={issueAt(`questions.${i}`)} /> : issueAt(`questions.${i}`).length ? <div className="field-error small">{issueAt(`questions.${i}`)[0]}</div> : null}
                </li>
              ))}
            </ol>
            <div className="sy-add">
              <span className="muted small">{t('surveys.builder.add')}</span>
              {QUESTION_TYPES.map((type) => (
                <button key={type} type="button" className="btn btn-small" onClick={() => add(type)} data-add={type}>
                  <Icon name="plus" size={14} />
                  {t(`surveys.qtype.${type}`)}
                </button>
              ))}
            </div>
          </section>
        </div>

        <aside className="sy-preview-col">
          <div className="sy-preview-head">
            <h2>{t('surveys.builder.preview')}</h2>
            <div className="segmented" role="group">
              {(['zh-CN', 'en'] as const).map((l) => (
                <button key={l} type="button" className={previewLang === l ? 'active' : ''} onClick={() => setPreviewLang(l)} data-preview={l}>
                  {l === 'zh-CN' ? '中文' : 'English'}
                </button>
              ))}
            </div>
          </div>
          <div className="sy-phone" data-testid="survey-preview">
            <div className="sy-phone-screen">
              <h3 className="sp-title">{(previewLang === 'en' && nameEn.trim()) || name || t('surveys.builder.newTitle')}</h3>
              {questions.map((q, i) => (
                <QuestionInput key={q.id} q={inLanguage(q, previewLang)} index={i} lang={previewLang} value={previewAnswers[q.id]} onChange={(v) => setPreviewAnswers((a) => ({ ...a, [q.id]: v }))} />
              ))}
              <button type="button" className="btn btn-primary sp-submit" disabled>
                {previewLang === 'zh-CN' ? '提交' : 'Submit'}
              </button>
            </div>
          </div>
        </aside>
      </div>
    </div>
  );
}

function QuestionEditor({ q, onChange, problems }: { q: Question; onChange: (c: Partial<Question>) => void; problems: string[] }) {
  const { t } = useTranslation();
  const setOption = (i: number, change: { value?: string; zh?: string; en?: string }) =>
    onChange({
      options: (q.options ?? []).map((o, n) =>
        n === i ? { value: change.value ?? o.value, label: { 'zh-CN': change.zh ?? o.label['zh-CN'], en: change.en ?? o.label.en } } : o,
      ),
    });
  return (
    <div className="sy-q-edit">
      <div className="sv-form-grid">
        <label className="sv-f">
          <span>{t('surveys.builder.type')}</span>
          <select
            name="q-type"
            value={q.type}
            onChange={(e) => {
              const type = e.target.value as QuestionType;
              const choice = type === 'single' || type === 'multi';
              onChange({ type, options: choice ? (q.options ?? STARTER[type]().options) : undefined });
            }}
          >
            {QUESTION_TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`surveys.qtype.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="settings-check sy-required">
          <input type="checkbox" name="q-required" checked={q.required} onChange={(e) => onChange({ required: e.target.checked })} />
          {t('surveys.builder.required')}
        </label>
      </div>
      <label className="sv-f">
        <span>{t('surveys.builder.titleZh')}</span>
        <input name="q-title-zh" value={q.title['zh-CN']} onChange={(e) => onChange({ title: { ...q.title, 'zh-CN': e.target.value } })} />
      </label>
      <label className="sv-f">
        <span>{t('surveys.builder.titleEn')}</span>
        <input name="q-title-en" value={q.title.en} onChange={(e) => onChange({ title: { ...q.title, en: e.target.value } })} />
      </label>
      {q.type === 'single' || q.type === 'multi' ? (
        <div className="sy-options">
          <div className="muted small">{t('surveys.builder.options')}</div>
          {(q.options ?? []).map((o, i) => (
            <div key={i} className="sy-option-row" data-option={i}>
              <input name="opt-value" className="mono" value={o.value} onChange={(e) => setOption(i, { value: e.target.value })} aria-label={t('surveys.builder.optionCode')} />
              <input name="opt-zh" value={o.label['zh-CN']} placeholder="中文" onChange={(e) => setOption(i, { zh: e.target.value })} aria-label={t('surveys.builder.optionZh')} />
              <input name="opt-en" value={o.label.en} placeholder="English" onChange={(e) => setOption(i, { en: e.target.value })} aria-label={t('surveys.builder.optionEn')} />
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange({ options: (q.options ?? []).filter((_, n) => n !== i) })} aria-label={t('surveys.builder.remove')}>
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            className="btn btn-small"
            data-action="add-option"
            onClick={() => onChange({ options: [...(q.options ?? []), { value: String.fromCharCode(97 + (q.options?.length ?? 0)), label: { 'zh-CN': '', en: '' } }] })}
          >
            <Icon name="plus" size={14} />
            {t('surveys.builder.addOption')}
          </button>
        </div>
      ) : null}
      {problems.length ? <div className="field-error small">{problems.join('; ')}</div> : null}
    </div>
  );
}
