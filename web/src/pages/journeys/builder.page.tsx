import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../../api/api-client';
import {
  useCreateJourney,
  useJourney,
  useJourneyStats,
  useJourneyAction,
  useSaveDefinition,
  useUpdateJourney,
  validateDefinition,
  type Definition,
  type Journey,
  type JourneySettings,
  type Step,
  type StepType,
  type ValidationIssue,
} from '../../api/journeys.api';
import { useMessageTemplates } from '../../api/messaging.api';
import { useTemplates as useCouponTemplates } from '../../api/promotions.api';
import { useSegments } from '../../api/segments.api';
import { can, useMe } from '../../auth/session';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { Chips, Field, NumInput } from './fields';
import { FlowCanvas, STEP_ICONS, type Selection } from './flow-canvas';
import { issueText } from './journey-words';
import { blankStep, cleanDefinition, insertStep, issuesByStep, newStepId, removeStep, replaceStep, slotTarget, type Slot } from './flow-model';
import { JourneyStatusBadge } from './journeys.page';
import { PublishDialog } from './publish-dialog';
import { StepForm, TriggerForm } from './step-forms';
import './journeys.css';

const BLANK: Definition = {
  trigger: { type: 'event', event: 'first_purchase' },
  audience: {},
  steps: [
    { id: 'wait_1', type: 'wait', days: 1, next: 'exit_1' },
    { id: 'exit_1', type: 'exit' },
  ],
  goal: { event: 'order_placed', withinDays: 30, exitOnGoal: true },
};

/** The journey builder: the flow on the left, the selected card's form on the right; validate, save a draft, publish. */
export function JourneyBuilderPage() {
  const { id } = useParams();
  const journey = useJourney(id);
  if (id && journey.isPending) return <Loading />;
  if (id && journey.isError) return <ErrorState error={journey.error} onRetry={() => void journey.refetch()} />;
  const versions = journey.data?.versions ?? [];
  const latest = versions.length ? [...versions].sort((a, b) => b.version - a.version)[0] : undefined;
  const def = latest?.definition ?? journey.data?.draft?.definition ?? journey.data?.definition ?? BLANK;
  return <Builder key={id ?? 'new'} journey={journey.data} initial={def} draftVersion={latest && !latest.publishedAt ? latest.version : null} />;
}

function Builder({ journey, initial, draftVersion }: { journey: Journey | undefined; initial: Definition; draftVersion: number | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const write = can(me, 'journeys:write');
  const [def, setDef] = useState<Definition>(initial);
  const [settings, setSettings] = useState<JourneySettings>({
    code: journey?.code ?? '',
    name: journey?.name ?? '',
    description: journey?.description ?? '',
    holdoutPercent: journey?.holdoutPercent ?? 10,
    reentry: journey?.reentry ?? 'never',
    reentryDays: journey?.reentryDays ?? null,
  });
  const [selected, setSelected] = useState<Selection>(journey ? 'trigger' : 'settings');
  const [issues, setIssues] = useState<ValidationIssue[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [publishing, setPublishing] = useState(false);

  const templates = useMessageTemplates();
  const coupons = useCouponTemplates();
  const segments = useSegments();
  const running = journey?.status === 'active' || journey?.status === 'paused';
  const stats = useJourneyStats(journey?.id, { enabled: !!journey && journey.status !== 'draft', refetchInterval: running ? 15000 : undefined });
  const create = useCreateJourney();
  const update = useUpdateJourney();
  const saveDef = useSaveDefinition();
  const action = useJourneyAction();

  const names = useMemo(() => {
    const tm = new Map((templates.data ?? []).map((x) => [x.code, x.name]));
    const cm = new Map((coupons.data ?? []).map((x) => [x.code, x.name]));
    return { template: (c: string) => tm.get(c) ?? c, coupon: (c: string) => cm.get(c) ?? c };
  }, [templates.data, coupons.data]);
  const options = { templates: templates.data ?? [], coupons: coupons.data ?? [], segments: segments.data?.items ?? [] };
  const byStep = useMemo(() => issuesByStep(def, (issues ?? []).map((i) => ({ ...i, message: issueText(t, i) }))), [def, issues, t]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const change = (d: Definition) => {
    setDef(d);
    setDirty(true);
    setSaved(null);
    if (issues) setIssues(null);
  };
  const changeSettings = (s: Partial<JourneySettings>) => {
    setSettings((cur) => ({ ...cur, ...s }));
    setDirty(true);
    setSaved(null);
  };
  const add = (slot: Slot, type: StepType) => {
    const step = blankStep(newStepId(def, type), type, slotTarget(def, slot), {
      template: options.templates.find((x) => Object.keys(x.contents ?? {}).some((c) => c !== 'guide_task'))?.code,
      taskTemplate: options.templates.find((x) => x.contents?.guide_task)?.code,
      couponTemplate: options.coupons.find((x) => x.status === 'active')?.code,
    });
    change(insertStep(def, slot, step));
    setSelected(step.id);
  };
  const selectedStep = def.steps.find((s) => s.id === selected);

  const issuesFrom = (e: unknown): ValidationIssue[] | null => {
    if (!isApiError(e)) return null;
    const list = e.body.details?.issues;
    return list?.length ? list.map((i) => ({ path: String(i.path).replace(/^definition\./, ''), message: i.message })) : null;
  };

  const validate = async (): Promise<boolean> => {
    setError(null);
    try {
      const r = await validateDefinition(cleanDefinition(def));
      setIssues(r.issues);
      return r.ok;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };

  /** Saves settings and the definition (a new draft version); a new journey is created and opened. */
  const save = async (): Promise<Journey | null> => {
    setBusy(true);
    setError(null);
    setSaved(null);
    const body = { ...settings, description: settings.description || undefined, reentryDays: settings.reentry === 'cooldown' ? (settings.reentryDays ?? 30) : undefined };
    try {
      if (!journey) {
        if (!settings.name.trim() || !settings.code.trim()) {
          setSelected('settings');
          setError(t('journeys.builder.needNameCode'));
          return null;
        }
        const j = await create.mutateAsync({ ...body, definition: cleanDefinition(def) } as JourneySettings & { definition: Definition });
        setDirty(false);
        navigate(`/journeys/${j.id}`, { replace: true });
        return j;
      }
      await update.mutateAsync({ id: journey.id, name: body.name, description: body.description ?? null, holdoutPercent: body.holdoutPercent, reentry: body.reentry, reentryDays: body.reentryDays ?? null });
      await saveDef.mutateAsync({ id: journey.id, definition: cleanDefinition(def) });
      setDirty(false);
      setIssues([]);
      setSaved(t('journeys.builder.savedDraft'));
      return journey;
    } catch (e) {
      const list = issuesFrom(e);
      if (list) setIssues(list);
      setError((e as Error).message);
      return null;
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page jr-page jr-builder-page">
      <div className="page-head">
        <div>
          <Link to="/journeys" className="back-link">
            <Icon name="back" size={16} />
            {t('journeys.builder.back')}
          </Link>
          <h1>
            {journey ? journey.name : t('journeys.builder.newTitle')}
            {journey ? <JourneyStatusBadge status={journey.status} /> : null}
          </h1>
          <p className="muted">
            {journey ? (journey.status === 'draft' ? t('journeys.builder.draftLine', { n: journey.latestVersion ?? journey.currentVersion }) : t('journeys.builder.versionLine', { current: journey.currentVersion })) : t('journeys.builder.newSubtitle')}
            {draftVersion && journey && journey.status !== 'draft' && draftVersion !== journey.currentVersion ? ` · ${t('journeys.builder.draftAhead', { n: draftVersion })}` : ''}
          </p>
        </div>
        <div className="jr-head-actions">
          {journey && journey.status !== 'draft' ? (
            <Link to={`/journeys/${journey.id}/stats`} className="btn" data-testid="open-stats">
              <Icon name="results" size={16} />
              {t('journeys.action.stats')}
            </Link>
          ) : null}
          {write ? (
            <>
              <button type="button" className="btn" onClick={() => void validate()} disabled={busy} data-testid="journey-validate">
                <Icon name="check" size={16} />
                {t('journeys.builder.validate')}
              </button>
              <button type="button" className="btn" onClick={() => void save()} disabled={busy} data-testid="journey-save">
                {busy ? t('journeys.builder.saving') : t('journeys.builder.saveDraft')}
              </button>
              {journey && journey.status !== 'archived' ? (
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={busy}
                  data-testid="journey-publish"
                  onClick={async () => {
                    if (await validate()) setPublishing(true);
                  }}
                >
                  {t('journeys.action.publish')}
                </button>
              ) : null}
              {journey?.status === 'active' ? (
                <button type="button" className="btn" disabled={action.isPending} onClick={() => action.mutate({ id: journey.id, action: 'pause' })} data-action="pause">
                  {t('journeys.action.pause')}
                </button>
              ) : null}
              {journey?.status === 'paused' ? (
                <button type="button" className="btn" disabled={action.isPending} onClick={() => action.mutate({ id: journey.id, action: 'resume' })} data-action="resume">
                  {t('journeys.action.resume')}
                </button>
              ) : null}
            </>
          ) : null}
        </div>
      </div>

      {issues && issues.length === 0 && !saved ? (
        <div className="notice jr-notice-ok" data-testid="journey-valid">
          {t('journeys.builder.valid')}
        </div>
      ) : null}
      {issues && issues.length > 0 ? (
        <div className="notice jr-notice-bad" role="alert" data-testid="journey-issues">
          {t('journeys.builder.issues', { count: issues.length })}
          {byStep.get('')?.length ? <ul>{byStep.get('')!.map((m, i) => <li key={i}>{m}</li>)}</ul> : null}
        </div>
      ) : null}
      {saved ? (
        <div className="notice jr-notice-ok" data-testid="journey-saved">
          {saved}
        </div>
      ) : null}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}

      <div className="jr-builder">
        <section className="card jr-canvas">
          <div className="card-head">
            <h2>{t('journeys.builder.flow')}</h2>
            <button type="button" className={selected === 'settings' ? 'btn btn-small active' : 'btn btn-small btn-ghost'} onClick={() => setSelected('settings')} data-testid="journey-settings">
              <Icon name="settings" size={14} />
              {t('journeys.builder.settings')}
            </button>
          </div>
          <div className="jr-canvas-scroll">
            <FlowCanvas def={def} selected={selected} onSelect={setSelected} onAdd={write ? add : null} issues={byStep} stats={stats.data} names={names} />
          </div>
          {stats.data ? <p className="muted small jr-live-note">{t('journeys.builder.liveNote')}</p> : null}
        </section>

        <aside className="card jr-side" data-testid="side-panel">
          {selected === 'settings' ? (
            <>
              <div className="jr-side-head">
                <span className="jr-card-icon">
                  <Icon name="settings" size={18} />
                </span>
                <h2>{t('journeys.builder.settings')}</h2>
              </div>
              <SettingsForm settings={settings} isNew={!journey} onChange={changeSettings} def={def} onDef={change} segments={options.segments} />
            </>
          ) : selected === 'trigger' ? (
            <>
              <div className="jr-side-head">
                <span className="jr-card-icon">
                  <Icon name={STEP_ICONS.trigger} size={18} />
                </span>
                <h2>{t('journeys.builder.trigger')}</h2>
              </div>
              <TriggerForm trigger={def.trigger} onChange={(tr) => change({ ...def, trigger: tr })} segments={options.segments} />
              <SideIssues list={byStep.get('trigger')} />
            </>
          ) : selectedStep ? (
            <>
              <div className="jr-side-head">
                <span className="jr-card-icon">
                  <Icon name={STEP_ICONS[selectedStep.type]} size={18} />
                </span>
                <div>
                  <h2>{t(`journeys.step.${selectedStep.type}`)}</h2>
                  <div className="muted small mono">{selectedStep.id}</div>
                </div>
                {write ? (
                  <button
                    type="button"
                    className="btn btn-small btn-danger-quiet jr-delete"
                    onClick={() => {
                      change(removeStep(def, selectedStep.id));
                      setSelected('trigger');
                    }}
                    data-testid="step-delete"
                  >
                    {t('journeys.builder.delete')}
                  </button>
                ) : null}
              </div>
              <StepForm step={selectedStep} def={def} options={options} onChange={(s: Step) => change(replaceStep(def, s))} />
              <SideIssues list={byStep.get(selectedStep.id)} />
              <StepLive stepId={selectedStep.id} stats={stats.data} />
            </>
          ) : (
            <p className="muted">{t('journeys.builder.pick')}</p>
          )}
        </aside>
      </div>

      {publishing && journey ? <PublishDialog journey={journey} before={dirty ? () => save().then((j) => (j ? j : Promise.reject(new Error(t('journeys.builder.saveFirst'))))) : undefined} onClose={() => setPublishing(false)} onPublished={() => setSaved(t('journeys.builder.published'))} /> : null}
    </div>
  );
}

function SideIssues({ list }: { list: string[] | undefined }) {
  if (!list?.length) return null;
  return (
    <ul className="jr-side-issues" role="alert">
      {list.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

function StepLive({ stepId, stats }: { stepId: string; stats: ReturnType<typeof useJourneyStats>['data'] }) {
  const { t } = useTranslation();
  const s = stats?.steps.find((x) => x.stepId === stepId);
  if (!s) return null;
  return (
    <dl className="jr-facts">
      <dt>{t('journeys.builder.reached')}</dt>
      <dd>{s.reached}</dd>
      <dt>{t('journeys.builder.inStep')}</dt>
      <dd>{s.current}</dd>
      {s.failed ? (
        <>
          <dt>{t('journeys.builder.failed')}</dt>
          <dd>{s.failed}</dd>
        </>
      ) : null}
    </dl>
  );
}

function SettingsForm({
  settings,
  isNew,
  onChange,
  def,
  onDef,
  segments,
}: {
  settings: JourneySettings;
  isNew: boolean;
  onChange: (s: Partial<JourneySettings>) => void;
  def: Definition;
  onDef: (d: Definition) => void;
  segments: Array<{ code: string; name: string }>;
}) {
  const { t } = useTranslation();
  const goal = def.goal;
  const segOptions = segments.map((s) => ({ value: s.code, label: s.name }));
  const segName = (code: string) => segments.find((s) => s.code === code)?.name ?? code;
  return (
    <div className="jr-form" data-form="settings">
      <Field label={t('journeys.form.journeyName')}>
        <input type="text" name="journey-name" value={settings.name} maxLength={120} onChange={(e) => onChange({ name: e.target.value })} />
      </Field>
      <Field label={t('journeys.form.code')} hint={isNew ? t('journeys.form.codeHint') : undefined}>
        <input type="text" name="journey-code" className="mono" value={settings.code} disabled={!isNew} maxLength={64} onChange={(e) => onChange({ code: e.target.value })} />
      </Field>
      <Field label={t('journeys.form.description')}>
        <textarea name="journey-description" rows={2} value={settings.description ?? ''} onChange={(e) => onChange({ description: e.target.value })} />
      </Field>

      <h3 className="jr-subhead">{t('journeys.form.goal')}</h3>
      <label className="jr-check">
        <input type="checkbox" name="goal-on" checked={!!goal} onChange={(e) => onDef({ ...def, goal: e.target.checked ? { event: 'order_placed', withinDays: 30, exitOnGoal: true } : null })} />
        <span>{t('journeys.form.goalOn')}</span>
      </label>
      {goal ? (
        <div className="jr-grid-2">
          <Field label={t('journeys.form.withinDays')}>
            <NumInput name="goal-days" value={goal.withinDays ?? 30} min={1} max={365} onChange={(v) => onDef({ ...def, goal: { ...goal, withinDays: v ?? 30 } })} unit={t('journeys.form.daysUnit')} />
          </Field>
          <label className="jr-check jr-check-pad">
            <input type="checkbox" name="goal-exit" checked={goal.exitOnGoal ?? true} onChange={(e) => onDef({ ...def, goal: { ...goal, exitOnGoal: e.target.checked } })} />
            <span>{t('journeys.form.exitOnGoal')}</span>
          </label>
        </div>
      ) : null}

      <h3 className="jr-subhead">{t('journeys.form.audience')}</h3>
      <Field label={t('journeys.form.audienceIn')} hint={t('journeys.form.audienceHint')}>
        <Chips name="audience-in" options={segOptions} value={def.audience?.segments ?? []} label={segName} onChange={(v) => onDef({ ...def, audience: { ...def.audience, segments: v.length ? v : undefined } })} />
      </Field>
      <Field label={t('journeys.form.audienceOut')}>
        <Chips name="audience-out" options={segOptions} value={def.audience?.excludeSegments ?? []} label={segName} onChange={(v) => onDef({ ...def, audience: { ...def.audience, excludeSegments: v.length ? v : undefined } })} />
      </Field>

      <h3 className="jr-subhead">{t('journeys.form.control')}</h3>
      <Field label={t('journeys.form.holdout')} hint={t('journeys.form.holdoutHint')}>
        <span className="jr-range">
          <input type="range" min={0} max={50} value={settings.holdoutPercent} onChange={(e) => onChange({ holdoutPercent: Number(e.target.value) })} aria-label={t('journeys.form.holdout')} />
          <NumInput name="holdout" value={settings.holdoutPercent} min={0} max={90} onChange={(v) => onChange({ holdoutPercent: v ?? 0 })} unit="%" />
        </span>
      </Field>
      <div className="jr-grid-2">
        <Field label={t('journeys.form.reentry')}>
          <select name="reentry" value={settings.reentry} onChange={(e) => onChange({ reentry: e.target.value as JourneySettings['reentry'] })}>
            {(['never', 'after_exit', 'cooldown'] as const).map((r) => (
              <option key={r} value={r}>
                {t(`journeys.reentry.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        {settings.reentry === 'cooldown' ? (
          <Field label={t('journeys.form.reentryDays')}>
            <NumInput name="reentry-days" value={settings.reentryDays ?? 30} min={1} onChange={(v) => onChange({ reentryDays: v ?? null })} unit={t('journeys.form.daysUnit')} />
          </Field>
        ) : null}
      </div>
    </div>
  );
}
