import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { RFM_SEGMENTS, VALUE_CLASSES, VALUE_QUADRANTS } from '../../api/segments.api';
import { Icon } from '../../components/icons';
import {
  CHURN_BANDS,
  COND_KINDS,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  LIFETIME_MEASURES,
  list,
  newCond,
  newGroup,
  OP_SIGN,
  OPS,
  ORDER_CHANNELS,
  POINTS_MEASURES,
  PREDICTION_MODELS,
  PROFILE_FIELDS,
  PURCHASE_MEASURES,
  RFM_LABEL_FIELDS,
  RFM_SCORE_FIELDS,
  type Cond,
  type CondKind,
  type Group,
  type Node,
} from './rule-model';

/** Errors of the last preview, by node id. */
export type NodeErrors = Record<string, string[]>;

/** A group: AND / OR over its conditions and groups, optionally negated; add and remove below. */
export function GroupEditor({
  group,
  onChange,
  onRemove,
  errors,
  depth = 0,
}: {
  group: Group;
  onChange: (g: Group) => void;
  onRemove?: () => void;
  errors: NodeErrors;
  depth?: number;
}) {
  const { t } = useTranslation();
  const set = (i: number, n: Node) => onChange({ ...group, children: group.children.map((c, k) => (k === i ? n : c)) });
  const remove = (i: number) => onChange({ ...group, children: group.children.filter((_, k) => k !== i) });
  return (
    <div className={`seg-group seg-group-d${Math.min(depth, 3)}${group.negate ? ' seg-negated' : ''}`} data-testid={depth === 0 ? 'rule-root' : 'rule-group'}>
      <div className="seg-group-head">
        <div className="seg-seg" role="radiogroup" aria-label={t('segments.builder.groupOp')}>
          {(['all', 'any'] as const).map((op) => (
            <button key={op} type="button" role="radio" aria-checked={group.op === op} className={group.op === op ? 'active' : ''} onClick={() => onChange({ ...group, op })}>
              {t(`segments.builder.op.${op}`)}
            </button>
          ))}
        </div>
        <label className="seg-not">
          <input type="checkbox" checked={group.negate} onChange={(e) => onChange({ ...group, negate: e.target.checked })} />
          {t('segments.builder.negateGroup')}
        </label>
        <span className="seg-grow" />
        {onRemove ? (
          <button type="button" className="btn btn-ghost seg-remove" onClick={onRemove} aria-label={t('segments.builder.removeGroup')} title={t('segments.builder.removeGroup')}>
            ×
          </button>
        ) : null}
      </div>
      {errors[group.id] ? <Issues list={errors[group.id]!} /> : null}
      {group.children.length === 0 ? <p className="muted small seg-empty-group">{t('segments.builder.emptyGroup')}</p> : null}
      <ol className="seg-children">
        {group.children.map((c, i) => (
          <li key={c.id}>
            {i > 0 ? <div className="seg-joiner">{t(`segments.builder.joiner.${group.op}`)}</div> : null}
            {c.type === 'group' ? (
              <GroupEditor group={c} depth={depth + 1} errors={errors} onChange={(n) => set(i, n)} onRemove={() => remove(i)} />
            ) : (
              <CondEditor cond={c} errors={errors[c.id]} onChange={(n) => set(i, n)} onRemove={() => remove(i)} />
            )}
          </li>
        ))}
      </ol>
      <div className="seg-group-foot">
        <label className="seg-add">
          <Icon name="plus" size={14} />
          <select
            aria-label={t('segments.builder.addCondition')}
            data-testid="add-condition"
            value=""
            onChange={(e) => {
              if (e.target.value) onChange({ ...group, children: [...group.children, newCond(e.target.value as CondKind)] });
            }}
          >
            <option value="">{t('segments.builder.addCondition')}</option>
            {COND_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`segments.builder.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {depth < 4 ? (
          <button type="button" className="btn btn-ghost seg-add-group" onClick={() => onChange({ ...group, children: [...group.children, newGroup(group.op === 'all' ? 'any' : 'all', [newCond('purchase')])] })}>
            <Icon name="plus" size={14} />
            {t('segments.builder.addGroup')}
          </button>
        ) : null}
      </div>
    </div>
  );
}

function Issues({ list: items }: { list: string[] }) {
  return (
    <ul className="seg-issues" role="alert">
      {items.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

/** One condition: its kind and the fields of that kind, inline. */
function CondEditor({ cond, onChange, onRemove, errors }: { cond: Cond; onChange: (c: Cond) => void; onRemove: () => void; errors: string[] | undefined }) {
  const { t, i18n } = useTranslation();
  const v = cond.v;
  const set = (k: string) => (e: { target: { value: string } }) => onChange({ ...cond, v: { ...v, [k]: e.target.value } });
  const text = (k: string, label: string, placeholder?: string, wide = false) => (
    <label className={wide ? 'seg-f seg-f-wide' : 'seg-f'}>
      <span>{label}</span>
      <input name={k} value={v[k] ?? ''} placeholder={placeholder} onChange={set(k)} autoComplete="off" />
    </label>
  );
  const number = (k: string, label: string, unit?: string) => (
    <label className="seg-f seg-f-num">
      <span>{label}</span>
      <span className="seg-unit">
        <input name={k} inputMode="decimal" value={v[k] ?? ''} onChange={set(k)} autoComplete="off" />
        {unit ? <em>{unit}</em> : null}
      </span>
    </label>
  );
  const select = (k: string, label: string, options: readonly string[], word: (o: string) => string) => (
    <label className="seg-f">
      <span>{label}</span>
      <select name={k} value={v[k] ?? ''} onChange={set(k)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {word(o)}
          </option>
        ))}
      </select>
    </label>
  );
  const op = () => select('op', t('segments.builder.field.op'), OPS, (o) => OP_SIGN[o]!);
  const checks = (k: string, options: readonly string[], word: (o: string) => string, label: string) => {
    const chosen = list(v[k]);
    return (
      <fieldset className="seg-f seg-f-wide seg-checks">
        <legend>{label}</legend>
        {options.map((o) => (
          <label key={o} className={chosen.includes(o) ? 'seg-check on' : 'seg-check'}>
            <input
              type="checkbox"
              checked={chosen.includes(o)}
              onChange={(e) => onChange({ ...cond, v: { ...v, [k]: (e.target.checked ? [...chosen, o] : chosen.filter((x) => x !== o)).join(',') } })}
            />
            {word(o)}
          </label>
        ))}
      </fieldset>
    );
  };
  const days = () => number('days', t('segments.builder.field.days'), t('segments.builder.unit.days'));
  const listHint = t('segments.builder.listHint');

  let fields: ReactNode;
  switch (cond.kind) {
    case 'purchase':
      fields = (
        <>
          {days()}
          {select('measure', t('segments.builder.field.measure'), PURCHASE_MEASURES, (o) => t(`segments.builder.purchaseMeasure.${o}`))}
          {op()}
          {number('value', t('segments.builder.field.value'), v.measure === 'amount' ? '¥' : undefined)}
          {text('category', t('segments.builder.field.category'), listHint)}
          {text('brand', t('segments.builder.field.brand'), listHint)}
          {text('sku', t('segments.builder.field.sku'), listHint)}
          {text('store', t('segments.builder.field.store'), listHint)}
          {select('channel', t('segments.builder.field.channel'), ['', ...ORDER_CHANNELS], (o) => (o ? t(`segments.orderChannel.${o}`) : t('segments.builder.anyChannel')))}
        </>
      );
      break;
    case 'event':
      fields = (
        <>
          {select('did', t('segments.builder.field.did'), ['did', 'did_not'], (o) => t(`segments.builder.did.${o}`))}
          {text('type', t('segments.builder.field.eventType'), t('segments.builder.eventTypeHint'), true)}
          {days()}
          {v.did === 'did_not' ? null : number('value', t('segments.builder.field.atLeast'), t('segments.builder.unit.times'))}
        </>
      );
      break;
    case 'rfm_label': {
      const options = v.field === 'value_class' ? VALUE_CLASSES : v.field === 'value_quadrant' ? VALUE_QUADRANTS : RFM_SEGMENTS;
      const ns = v.field === 'value_class' ? 'class' : v.field === 'value_quadrant' ? 'quadrant' : 'rfmSegment';
      fields = (
        <>
          <label className="seg-f">
            <span>{t('segments.builder.field.field')}</span>
            <select name="field" value={v.field} onChange={(e) => onChange({ ...cond, v: { ...v, field: e.target.value, in: '' } })}>
              {RFM_LABEL_FIELDS.map((o) => (
                <option key={o} value={o}>
                  {t(`segments.builder.rfmLabelField.${o}`)}
                </option>
              ))}
            </select>
          </label>
          {checks('in', options, (o) => t(`segments.${ns}.${o}`), t('segments.builder.field.isOneOf'))}
        </>
      );
      break;
    }
    case 'rfm_score':
      fields = (
        <>
          {select('field', t('segments.builder.field.field'), RFM_SCORE_FIELDS, (o) => t(`segments.builder.rfmScoreField.${o}`))}
          {op()}
          {number('value', t('segments.builder.field.value'), v.field === 'monetary' ? '¥' : v.field === 'recency_days' ? t('segments.builder.unit.days') : undefined)}
        </>
      );
      break;
    case 'lifetime':
      fields = (
        <>
          {select('measure', t('segments.builder.field.measure'), LIFETIME_MEASURES, (o) => t(`segments.builder.lifetimeMeasure.${o}`))}
          {op()}
          {number('value', t('segments.builder.field.value'), v.measure === 'net_spend' ? '¥' : v.measure?.startsWith('days') ? t('segments.builder.unit.days') : undefined)}
        </>
      );
      break;
    case 'points':
      fields = (
        <>
          {select('measure', t('segments.builder.field.measure'), POINTS_MEASURES, (o) => t(`segments.builder.pointsMeasure.${o}`))}
          {op()}
          {number('value', t('segments.builder.field.value'))}
        </>
      );
      break;
    case 'tag':
      fields = (
        <>
          {select('match', t('segments.builder.field.match'), ['any', 'all'], (o) => t(`segments.builder.match.${o}`))}
          {text('tags', t('segments.builder.field.tags'), listHint, true)}
        </>
      );
      break;
    case 'profile':
      fields = (
        <>
          {select('field', t('segments.builder.field.field'), PROFILE_FIELDS, (o) => t(`segments.builder.profileField.${o}`))}
          {text('in', t('segments.builder.field.isOneOf'), v.field === 'gender' ? t('segments.builder.genderHint') : listHint, true)}
        </>
      );
      break;
    case 'attribute':
      fields = (
        <>
          {text('key', t('segments.builder.field.key'), 'registeredChannel')}
          {text('in', t('segments.builder.field.isOneOf'), t('segments.builder.attributeHint'), true)}
        </>
      );
      break;
    case 'consent':
      fields = (
        <>
          {select('channel', t('segments.builder.field.channel'), CONSENT_CHANNELS, (o) => t(`segments.consentChannel.${o}`))}
          {select('purpose', t('segments.builder.field.purpose'), CONSENT_PURPOSES, (o) => t(`segments.purpose.${o}`))}
        </>
      );
      break;
    case 'tier':
      fields = text('tiers', t('segments.builder.field.tiers'), t('segments.builder.tiersHint'), true);
      break;
    case 'birthday_month':
      fields = checks(
        'months',
        Array.from({ length: 12 }, (_, i) => String(i + 1)),
        (o) => new Intl.DateTimeFormat(i18n.language, { month: 'short' }).format(new Date(2020, Number(o) - 1, 15)),
        t('segments.builder.field.months'),
      );
      break;
    case 'prediction':
      fields = (
        <>
          {select('model', t('segments.builder.field.model'), PREDICTION_MODELS, (o) => t(`segments.builder.predictionModel.${o}`))}
          {v.model === 'churn_risk' ? (
            checks('labels', CHURN_BANDS, (o) => t(`segments.builder.churnBand.${o}`), t('segments.builder.field.isOneOf'))
          ) : (
            <>
              {op()}
              {number('value', t('segments.builder.field.value'), v.model === 'clv' ? '¥' : v.model === 'next_purchase_days' ? t('segments.builder.unit.days') : undefined)}
            </>
          )}
        </>
      );
      break;
    case 'age':
      fields = (
        <>
          {number('min', t('segments.builder.field.min'), t('segments.builder.unit.years'))}
          {number('max', t('segments.builder.field.max'), t('segments.builder.unit.years'))}
        </>
      );
      break;
    case 'member_since':
      fields = days();
      break;
  }

  return (
    <div className={`seg-cond${cond.negate ? ' seg-negated' : ''}${errors ? ' seg-cond-invalid' : ''}`} data-testid="rule-condition" data-kind={cond.kind}>
      <div className="seg-cond-head">
        <select
          className="seg-kind-select"
          aria-label={t('segments.builder.conditionKind')}
          name="kind"
          value={cond.kind}
          onChange={(e) => onChange({ ...newCond(e.target.value as CondKind), id: cond.id, negate: cond.negate })}
        >
          {COND_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`segments.builder.kind.${k}`)}
            </option>
          ))}
        </select>
        <label className="seg-not">
          <input type="checkbox" checked={cond.negate} onChange={(e) => onChange({ ...cond, negate: e.target.checked })} />
          {t('segments.builder.negate')}
        </label>
        <span className="seg-grow" />
        <button type="button" className="btn btn-ghost seg-remove" onClick={onRemove} aria-label={t('segments.builder.removeCondition')} title={t('segments.builder.removeCondition')}>
          ×
        </button>
      </div>
      <div className="seg-cond-fields">{fields}</div>
      {errors ? <Issues list={errors} /> : null}
    </div>
  );
}
