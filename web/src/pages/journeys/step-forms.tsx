import { useTranslation } from 'react-i18next';
import {
  CONDITION_TYPES,
  REACH_CHANNELS,
  TRIGGER_EVENTS,
  type Condition,
  type ConditionType,
  type Definition,
  type Step,
  type Trigger,
} from '../../api/journeys.api';
import type { Template } from '../../api/messaging.api';
import type { CouponTemplate } from '../../api/promotions.api';
import type { Segment } from '../../api/segments.api';
import { Field, ListInput, NumInput } from './fields';

export interface Options {
  templates: Template[];
  coupons: CouponTemplate[];
  segments: Segment[];
}

/** The side panel's form for one step, by type. */
export function StepForm({ step, def, onChange, options }: { step: Step; def: Definition; onChange: (s: Step) => void; options: Options }) {
  const { t } = useTranslation();
  const set = (patch: Record<string, unknown>) => onChange({ ...step, ...patch } as Step);
  const messageTemplates = options.templates.filter((x) => x.status !== 'archived' && Object.keys(x.contents ?? {}).some((c) => c !== 'guide_task'));
  const taskTemplates = options.templates.filter((x) => x.status !== 'archived' && x.contents?.guide_task);
  return (
    <div className="jr-form" data-form={step.type}>
      <Field label={t('journeys.form.name')} hint={t('journeys.form.nameHint')}>
        <input type="text" name="step-name" value={step.name ?? ''} maxLength={100} onChange={(e) => set({ name: e.target.value || undefined })} />
      </Field>
      {step.type === 'wait' ? (
        <>
          <div className="jr-grid-3">
            <Field label={t('journeys.form.days')}>
              <NumInput name="wait-days" value={step.days} min={0} onChange={(v) => set({ days: v })} />
            </Field>
            <Field label={t('journeys.form.hours')}>
              <NumInput name="wait-hours" value={step.hours} min={0} onChange={(v) => set({ hours: v })} />
            </Field>
            <Field label={t('journeys.form.minutes')}>
              <NumInput name="wait-minutes" value={step.minutes} min={0} onChange={(v) => set({ minutes: v })} />
            </Field>
          </div>
          <Field label={t('journeys.form.until')} hint={t('journeys.form.untilHint')}>
            <input type="time" name="wait-until" value={step.until ?? ''} onChange={(e) => set({ until: e.target.value || undefined })} />
          </Field>
        </>
      ) : null}
      {step.type === 'send' ? (
        <>
          <Field label={t('journeys.form.template')}>
            <TemplateSelect name="send-template" value={step.template} list={messageTemplates} onChange={(v) => set({ template: v })} />
          </Field>
          <div className="jr-grid-2">
            <Field label={t('journeys.form.channel')} hint={step.channel === 'auto' || !step.channel ? t('journeys.form.autoHint') : undefined}>
              <select name="send-channel" value={step.channel ?? 'auto'} onChange={(e) => set({ channel: e.target.value })}>
                {(['auto', ...REACH_CHANNELS] as const).map((c) => (
                  <option key={c} value={c}>
                    {t(`journeys.sendChannel.${c}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('journeys.form.sendAt')}>
              <select name="send-at" value={step.sendAt ?? 'usual_hour'} onChange={(e) => set({ sendAt: e.target.value })}>
                {(['usual_hour', 'now'] as const).map((c) => (
                  <option key={c} value={c}>
                    {t(`journeys.sendAt.${c}`)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </>
      ) : null}
      {step.type === 'coupon' ? (
        <Field label={t('journeys.form.coupon')} hint={t('journeys.form.couponHint')}>
          <select name="coupon-template" value={step.template} onChange={(e) => set({ template: e.target.value })}>
            <option value="">{t('journeys.form.choose')}</option>
            {options.coupons
              .filter((c) => c.status === 'active' || c.code === step.template)
              .map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name} ({c.code})
                </option>
              ))}
          </select>
        </Field>
      ) : null}
      {step.type === 'points' ? (
        <>
          <Field label={t('journeys.form.points')}>
            <NumInput name="points" value={step.points} min={1} onChange={(v) => set({ points: v ?? 0 })} unit={t('journeys.form.pointsUnit')} />
          </Field>
          <Field label={t('journeys.form.reason')}>
            <input type="text" name="points-reason" value={step.reason} maxLength={200} onChange={(e) => set({ reason: e.target.value })} />
          </Field>
        </>
      ) : null}
      {step.type === 'tag' ? (
        <>
          <Field label={t('journeys.form.addTags')} hint={t('journeys.form.tagsHint')}>
            <ListInput name="tag-add" value={step.add} onChange={(v) => set({ add: v })} />
          </Field>
          <Field label={t('journeys.form.removeTags')}>
            <ListInput name="tag-remove" value={step.remove} onChange={(v) => set({ remove: v })} />
          </Field>
        </>
      ) : null}
      {step.type === 'task' ? (
        <>
          <Field label={t('journeys.form.taskTemplate')} hint={t('journeys.form.taskHint')}>
            <TemplateSelect name="task-template" value={step.template} list={taskTemplates.length ? taskTemplates : options.templates} onChange={(v) => set({ template: v })} />
          </Field>
          <Field label={t('journeys.form.dueDays')}>
            <NumInput name="task-due" value={step.dueDays} min={0} max={90} onChange={(v) => set({ dueDays: v })} unit={t('journeys.form.daysUnit')} />
          </Field>
        </>
      ) : null}
      {step.type === 'branch' ? <BranchForm step={step} def={def} onChange={onChange} options={options} /> : null}
      {step.type === 'exit' ? <p className="muted small">{t('journeys.form.exitHint')}</p> : null}
    </div>
  );
}

function TemplateSelect({ name, value, list, onChange }: { name: string; value: string; list: Template[]; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  const known = list.some((x) => x.code === value);
  return (
    <select name={name} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('journeys.form.choose')}</option>
      {!known && value ? <option value={value}>{value}</option> : null}
      {list.map((x) => (
        <option key={x.code} value={x.code}>
          {x.name} ({x.code})
        </option>
      ))}
    </select>
  );
}

function blankCondition(type: ConditionType): Condition {
  switch (type) {
    case 'segment':
      return { type, segment: '', in: true };
    case 'tier':
      return { type, tiers: [] };
    case 'purchased':
      return { type, value: true };
    case 'reachable':
      return { type, channel: 'sms' };
    case 'age':
      return { type, min: 18 };
    case 'tag':
      return { type, tag: '' };
    case 'message':
      return { type, step: '', status: 'delivered' };
    case 'random':
      return { type, percent: 50 };
  }
}

function BranchForm({ step, def, onChange, options }: { step: Extract<Step, { type: 'branch' }>; def: Definition; onChange: (s: Step) => void; options: Options }) {
  const { t } = useTranslation();
  const setBranch = (i: number, when: Condition[]) => onChange({ ...step, branches: step.branches.map((b, j) => (j === i ? { ...b, when } : b)) });
  const sendSteps = def.steps.filter((s) => s.type === 'send');
  return (
    <div className="jr-branches">
      {step.branches.map((b, i) => (
        <fieldset key={i} className="jr-branch" data-branch={i}>
          <legend>
            <span className="jr-lane-n">{i + 1}</span> {t('journeys.form.branchN', { n: i + 1 })}
          </legend>
          {b.when.map((c, k) => (
            <div key={k} className="jr-cond" data-cond={k}>
              {k > 0 ? <span className="jr-cond-and">{t('journeys.cond.andWord')}</span> : null}
              <select aria-label={t('journeys.form.conditionType')} name={`cond-${i}-${k}-type`} value={c.type} onChange={(e) => setBranch(i, b.when.map((x, j) => (j === k ? blankCondition(e.target.value as ConditionType) : x)))}>
                {CONDITION_TYPES.map((ct) => (
                  <option key={ct} value={ct}>
                    {t(`journeys.cond.${ct}`)}
                  </option>
                ))}
              </select>
              <ConditionFields c={c} name={`cond-${i}-${k}`} onChange={(n) => setBranch(i, b.when.map((x, j) => (j === k ? n : x)))} segments={options.segments} sendSteps={sendSteps} />
              {b.when.length > 1 ? (
                <button type="button" className="btn btn-ghost btn-small jr-remove" aria-label={t('journeys.form.removeCondition')} onClick={() => setBranch(i, b.when.filter((_, j) => j !== k))}>
                  ×
                </button>
              ) : null}
            </div>
          ))}
          <div className="jr-branch-actions">
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setBranch(i, [...b.when, blankCondition('purchased')])} disabled={b.when.length >= 10}>
              + {t('journeys.form.addCondition')}
            </button>
            {step.branches.length > 1 ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange({ ...step, branches: step.branches.filter((_, j) => j !== i) })}>
                {t('journeys.form.removeBranch')}
              </button>
            ) : null}
          </div>
        </fieldset>
      ))}
      <button type="button" className="btn btn-small" disabled={step.branches.length >= 5} onClick={() => onChange({ ...step, branches: [...step.branches, { when: [blankCondition('random')], next: null }] })} data-testid="add-branch">
        + {t('journeys.form.addBranch')}
      </button>
      <p className="muted small">{t('journeys.form.elseHint')}</p>
    </div>
  );
}

function ConditionFields({ c, name, onChange, segments, sendSteps }: { c: Condition; name: string; onChange: (c: Condition) => void; segments: Segment[]; sendSteps: Step[] }) {
  const { t } = useTranslation();
  switch (c.type) {
    case 'segment':
      return (
        <>
          <select name={`${name}-in`} value={c.in === false ? 'out' : 'in'} onChange={(e) => onChange({ ...c, in: e.target.value === 'in' })}>
            <option value="in">{t('journeys.cond.isIn')}</option>
            <option value="out">{t('journeys.cond.isNotIn')}</option>
          </select>
          <SegmentSelect name={`${name}-segment`} value={c.segment} segments={segments} onChange={(v) => onChange({ ...c, segment: v })} />
        </>
      );
    case 'tier':
      return <ListInput name={`${name}-tiers`} value={c.tiers} onChange={(v) => onChange({ ...c, tiers: v })} placeholder={t('journeys.cond.tiersPlaceholder')} />;
    case 'purchased':
      return (
        <select name={`${name}-value`} value={c.value === false ? 'no' : 'yes'} onChange={(e) => onChange({ ...c, value: e.target.value === 'yes' })}>
          <option value="yes">{t('journeys.cond.yes')}</option>
          <option value="no">{t('journeys.cond.no')}</option>
        </select>
      );
    case 'reachable':
      return (
        <select name={`${name}-channel`} value={c.channel} onChange={(e) => onChange({ ...c, channel: e.target.value as typeof c.channel })}>
          {REACH_CHANNELS.map((ch) => (
            <option key={ch} value={ch}>
              {t(`messaging.channel.${ch}`)}
            </option>
          ))}
        </select>
      );
    case 'age':
      return (
        <span className="jr-inline">
          <NumInput name={`${name}-min`} value={c.min} min={0} max={120} onChange={(v) => onChange({ ...c, min: v })} />
          <span className="muted">–</span>
          <NumInput name={`${name}-max`} value={c.max} min={0} max={120} onChange={(v) => onChange({ ...c, max: v })} />
        </span>
      );
    case 'tag':
      return <input type="text" name={`${name}-tag`} value={c.tag} onChange={(e) => onChange({ ...c, tag: e.target.value })} />;
    case 'message':
      return (
        <>
          <select name={`${name}-step`} value={c.step} onChange={(e) => onChange({ ...c, step: e.target.value })}>
            <option value="">{t('journeys.form.choose')}</option>
            {sendSteps.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name || s.id}
              </option>
            ))}
          </select>
          <select name={`${name}-status`} value={c.status} onChange={(e) => onChange({ ...c, status: e.target.value as typeof c.status })}>
            {(['sent', 'delivered', 'opened', 'clicked'] as const).map((st) => (
              <option key={st} value={st}>
                {t(`messaging.status.${st}`)}
              </option>
            ))}
          </select>
        </>
      );
    case 'random':
      return <NumInput name={`${name}-percent`} value={c.percent} min={1} max={99} onChange={(v) => onChange({ ...c, percent: v ?? 50 })} unit="%" />;
  }
}

function SegmentSelect({ name, value, segments, onChange }: { name: string; value: string | undefined; segments: Segment[]; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <select name={name} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('journeys.form.choose')}</option>
      {value && !segments.some((s) => s.code === value) ? <option value={value}>{value}</option> : null}
      {segments.map((s) => (
        <option key={s.code} value={s.code}>
          {s.name}
        </option>
      ))}
    </select>
  );
}

/** The trigger's form: an event, a date, inactivity or a schedule. */
export function TriggerForm({ trigger, onChange, segments }: { trigger: Trigger; onChange: (t: Trigger) => void; segments: Segment[] }) {
  const { t } = useTranslation();
  const setType = (type: Trigger['type']) =>
    onChange(
      type === 'event'
        ? { type, event: 'first_purchase' }
        : type === 'date'
          ? { type, date: 'birthday', offsetDays: 0, at: '10:00' }
          : type === 'inactivity'
            ? { type, days: 90, at: '10:00' }
            : { type, every: 'once', startAt: new Date(Date.now() + 86400000).toISOString() },
    );
  return (
    <div className="jr-form" data-form="trigger">
      <div className="jr-seg" role="radiogroup" aria-label={t('journeys.form.triggerType')}>
        {(['event', 'date', 'inactivity', 'schedule'] as const).map((k) => (
          <button key={k} type="button" role="radio" aria-checked={trigger.type === k} className={trigger.type === k ? 'active' : ''} onClick={() => trigger.type !== k && setType(k)} data-trigger-type={k}>
            {t(`journeys.triggerType.${k}`)}
          </button>
        ))}
      </div>
      {trigger.type === 'event' ? (
        <>
          <Field label={t('journeys.form.event')}>
            <select name="trigger-event" value={trigger.event} onChange={(e) => onChange({ type: 'event', event: e.target.value as typeof trigger.event })}>
              {TRIGGER_EVENTS.map((ev) => (
                <option key={ev} value={ev}>
                  {t(`journeys.event.${ev}`)}
                </option>
              ))}
            </select>
          </Field>
          {trigger.event === 'segment_entered' || trigger.event === 'segment_exited' ? (
            <Field label={t('journeys.form.segment')}>
              <SegmentSelect name="trigger-segment" value={trigger.filter?.segment} segments={segments} onChange={(v) => onChange({ ...trigger, filter: { ...trigger.filter, segment: v || undefined } })} />
            </Field>
          ) : null}
          {trigger.event === 'tier_changed' ? (
            <div className="jr-grid-2">
              <Field label={t('journeys.form.direction')}>
                <select name="trigger-direction" value={trigger.filter?.direction ?? ''} onChange={(e) => onChange({ ...trigger, filter: { ...trigger.filter, direction: (e.target.value || undefined) as 'up' | 'down' | undefined } })}>
                  <option value="">{t('journeys.form.any')}</option>
                  <option value="up">{t('journeys.words.direction_up')}</option>
                  <option value="down">{t('journeys.words.direction_down')}</option>
                </select>
              </Field>
              <Field label={t('journeys.form.toTier')}>
                <input type="text" name="trigger-to-tier" value={trigger.filter?.toTier ?? ''} onChange={(e) => onChange({ ...trigger, filter: { ...trigger.filter, toTier: e.target.value || undefined } })} />
              </Field>
            </div>
          ) : null}
          {trigger.event === 'order_placed' || trigger.event === 'first_purchase' ? (
            <Field label={t('journeys.form.minAmount')}>
              <NumInput
                name="trigger-min-amount"
                value={trigger.filter?.minAmountFen === undefined ? undefined : trigger.filter.minAmountFen / 100}
                min={0}
                unit="¥"
                onChange={(v) => onChange({ ...trigger, filter: { ...trigger.filter, minAmountFen: v === undefined ? undefined : v * 100 } })}
              />
            </Field>
          ) : null}
        </>
      ) : null}
      {trigger.type === 'date' ? (
        <>
          <Field label={t('journeys.form.date')}>
            <select name="trigger-date" value={trigger.date} onChange={(e) => onChange({ ...trigger, date: e.target.value as 'birthday' | 'anniversary' })}>
              <option value="birthday">{t('journeys.date.birthday')}</option>
              <option value="anniversary">{t('journeys.date.anniversary')}</option>
            </select>
          </Field>
          <div className="jr-grid-2">
            <Field label={t('journeys.form.offsetDays')} hint={t('journeys.form.offsetHint')}>
              <NumInput name="trigger-offset" value={trigger.offsetDays ?? 0} min={-60} max={60} onChange={(v) => onChange({ ...trigger, offsetDays: v ?? 0 })} />
            </Field>
            <Field label={t('journeys.form.at')}>
              <input type="time" name="trigger-at" value={trigger.at ?? '10:00'} onChange={(e) => onChange({ ...trigger, at: e.target.value || '10:00' })} />
            </Field>
          </div>
        </>
      ) : null}
      {trigger.type === 'inactivity' ? (
        <div className="jr-grid-2">
          <Field label={t('journeys.form.inactiveDays')}>
            <NumInput name="trigger-days" value={trigger.days} min={1} onChange={(v) => onChange({ ...trigger, days: v ?? 1 })} unit={t('journeys.form.daysUnit')} />
          </Field>
          <Field label={t('journeys.form.at')}>
            <input type="time" name="trigger-at" value={trigger.at ?? '10:00'} onChange={(e) => onChange({ ...trigger, at: e.target.value || '10:00' })} />
          </Field>
        </div>
      ) : null}
      {trigger.type === 'schedule' ? (
        <div className="jr-grid-2">
          <Field label={t('journeys.form.every')}>
            <select name="trigger-every" value={trigger.every ?? 'once'} onChange={(e) => onChange({ ...trigger, every: e.target.value as 'once' })}>
              {(['once', 'day', 'week', 'month', 'quarter'] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`journeys.every.${k}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('journeys.form.startAt')}>
            <input
              type="datetime-local"
              name="trigger-start"
              value={toLocalInput(trigger.startAt)}
              onChange={(e) => e.target.value && onChange({ ...trigger, startAt: new Date(e.target.value).toISOString() })}
            />
          </Field>
        </div>
      ) : null}
    </div>
  );
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
