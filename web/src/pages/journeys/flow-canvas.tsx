import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { STEP_TYPES, type Definition, type JourneyStats, type Step, type StepType } from '../../api/journeys.api';
import { useFormat } from '../../format/format';
import { Icon, type IconName } from '../../components/icons';
import { slotKey, slotTarget, type Slot } from './flow-model';
import { conditionsText, stepSummary, triggerText } from './journey-words';

export const STEP_ICONS: Record<StepType | 'trigger', IconName> = {
  trigger: 'forecast',
  wait: 'overview',
  branch: 'segments',
  send: 'docs',
  coupon: 'ticket',
  points: 'tiers',
  tag: 'tag',
  task: 'customers',
  exit: 'signOut',
};

export type Selection = 'trigger' | 'settings' | string;

interface Ctx {
  def: Definition;
  byId: Map<string, Step>;
  seen: Set<string>;
  selected: Selection;
  onSelect: (s: Selection) => void;
  onAdd: ((slot: Slot, type: StepType) => void) | null;
  issues: Map<string, string[]>;
  stats: JourneyStats | undefined;
  names: { template: (code: string) => string; coupon: (code: string) => string };
}

/** The journey as a flow: the trigger on top, steps as cards joined by connectors, a branch as side-by-side lanes. */
export function FlowCanvas(props: Omit<Ctx, 'byId' | 'seen'>) {
  const { t } = useTranslation();
  const f = useFormat();
  const ctx: Ctx = { ...props, byId: new Map(props.def.steps.map((s) => [s.id, s])), seen: new Set() };
  const entered = props.stats?.entered;
  return (
    <div className="jr-flow" data-testid="flow">
      <button
        type="button"
        className={`jr-card jr-card-trigger${props.selected === 'trigger' ? ' selected' : ''}${props.issues.has('trigger') ? ' invalid' : ''}`}
        onClick={() => props.onSelect('trigger')}
        data-step="trigger"
      >
        <span className="jr-card-icon">
          <Icon name={STEP_ICONS.trigger} size={18} />
        </span>
        <span className="jr-card-text">
          <span className="jr-card-kind">{t('journeys.builder.trigger')}</span>
          <span className="jr-card-title">{triggerText(t, props.def.trigger)}</span>
          {props.def.audience?.segments?.length || props.def.audience?.excludeSegments?.length ? (
            <span className="jr-card-sub">
              {[
                props.def.audience?.segments?.length ? t('journeys.builder.audienceIn', { list: props.def.audience.segments.join('、') }) : '',
                props.def.audience?.excludeSegments?.length ? t('journeys.builder.audienceOut', { list: props.def.audience.excludeSegments.join('、') }) : '',
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
          ) : null}
        </span>
        {entered !== undefined ? (
          <span className="jr-live" title={t('journeys.builder.liveEntered')}>
            <strong>{f.number(entered)}</strong>
            <small>{t('journeys.builder.entered')}</small>
          </span>
        ) : null}
        <Issues list={props.issues.get('trigger')} />
      </button>
      <Connector ctx={ctx} slot={{ kind: 'entry' }} />
      <Chain ctx={ctx} start={props.def.steps[0]?.id ?? null} />
    </div>
  );
}

function Chain({ ctx, start }: { ctx: Ctx; start: string | null | undefined }) {
  const { t } = useTranslation();
  const out: ReactNode[] = [];
  let id = start;
  while (id) {
    if (ctx.seen.has(id)) {
      const target = ctx.byId.get(id);
      out.push(
        <button key={`goto-${id}`} type="button" className="jr-goto" onClick={() => ctx.onSelect(id!)}>
          ↪ {t('journeys.builder.continuesAt', { step: target?.name || id })}
        </button>,
      );
      return <>{out}</>;
    }
    ctx.seen.add(id);
    const s = ctx.byId.get(id);
    if (!s) {
      out.push(
        <div key={`missing-${id}`} className="jr-goto jr-missing">
          {t('journeys.builder.missing', { step: id })}
        </div>,
      );
      return <>{out}</>;
    }
    out.push(<StepCard key={s.id} ctx={ctx} s={s} />);
    if (s.type === 'exit') return <>{out}</>;
    if (s.type === 'branch') {
      out.push(<Lanes key={`lanes-${s.id}`} ctx={ctx} s={s} />);
      return <>{out}</>;
    }
    out.push(<Connector key={`c-${s.id}`} ctx={ctx} slot={{ kind: 'after', stepId: s.id }} />);
    id = s.next;
  }
  out.push(
    <div key="end" className="jr-end">
      {t('journeys.builder.end')}
    </div>,
  );
  return <>{out}</>;
}

function Lanes({ ctx, s }: { ctx: Ctx; s: Extract<Step, { type: 'branch' }> }) {
  const { t } = useTranslation();
  const lanes: Array<{ key: number | 'else'; label: string; next: string | null | undefined }> = [
    ...s.branches.map((b, i) => ({ key: i as number | 'else', label: conditionsText(t, b.when), next: b.next })),
    { key: 'else' as const, label: t('journeys.builder.else'), next: s.else },
  ];
  return (
    <div className="jr-lanes" style={{ ['--lanes' as string]: lanes.length }}>
      {lanes.map((l, i) => (
        <div key={String(l.key)} className={`jr-lane${i === 0 ? ' first' : ''}${i === lanes.length - 1 ? ' last' : ''}`} data-lane={String(l.key)}>
          <button type="button" className={l.key === 'else' ? 'jr-lane-head jr-lane-else' : 'jr-lane-head'} onClick={() => ctx.onSelect(s.id)}>
            {typeof l.key === 'number' ? <span className="jr-lane-n">{l.key + 1}</span> : null}
            {l.label}
          </button>
          <Connector ctx={ctx} slot={{ kind: 'lane', stepId: s.id, lane: l.key }} />
          <Chain ctx={ctx} start={l.next} />
        </div>
      ))}
    </div>
  );
}

function StepCard({ ctx, s }: { ctx: Ctx; s: Step }) {
  const { t } = useTranslation();
  const f = useFormat();
  const live = ctx.stats?.steps.find((x) => x.stepId === s.id);
  const issues = ctx.issues.get(s.id);
  return (
    <button
      type="button"
      className={`jr-card jr-card-${s.type}${ctx.selected === s.id ? ' selected' : ''}${issues ? ' invalid' : ''}`}
      onClick={() => ctx.onSelect(s.id)}
      data-step={s.id}
      data-type={s.type}
    >
      <span className="jr-card-icon">
        <Icon name={STEP_ICONS[s.type]} size={18} />
      </span>
      <span className="jr-card-text">
        <span className="jr-card-kind">{t(`journeys.step.${s.type}`)}</span>
        <span className="jr-card-title">{s.name || stepSummary(t, s, ctx.names)}</span>
        {s.name ? <span className="jr-card-sub">{stepSummary(t, s, ctx.names)}</span> : null}
      </span>
      {live ? (
        <span className="jr-live" data-testid="step-live" title={t('journeys.builder.liveTitle')}>
          <strong>{f.number(live.reached)}</strong>
          <small>{live.current ? t('journeys.builder.here', { n: f.number(live.current) }) : t('journeys.builder.reached')}</small>
        </span>
      ) : null}
      <Issues list={issues} />
    </button>
  );
}

function Issues({ list }: { list: string[] | undefined }) {
  if (!list?.length) return null;
  return (
    <span className="jr-card-issues" role="alert">
      {list.map((m, i) => (
        <span key={i}>{m}</span>
      ))}
    </span>
  );
}

/** The line between two cards, with a + that adds a step there. */
function Connector({ ctx, slot }: { ctx: Ctx; slot: Slot }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const continues = !!slotTarget(ctx.def, slot);
  const types = STEP_TYPES.filter((x) => x !== 'exit' || !continues);
  return (
    <div className="jr-connector" ref={ref} data-slot={slotKey(slot)}>
      <span className="jr-line" />
      {ctx.onAdd ? (
        <button type="button" className="jr-add" aria-label={t('journeys.builder.addStep')} title={t('journeys.builder.addStep')} onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          +
        </button>
      ) : null}
      {open && ctx.onAdd ? (
        <div className="jr-add-menu" role="menu">
          {types.map((type) => (
            <button
              key={type}
              type="button"
              role="menuitem"
              data-add={type}
              onClick={() => {
                setOpen(false);
                ctx.onAdd!(slot, type);
              }}
            >
              <Icon name={STEP_ICONS[type]} size={16} />
              <span>
                <strong>{t(`journeys.step.${type}`)}</strong>
                <small className="muted">{t(`journeys.stepHint.${type}`)}</small>
              </span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
