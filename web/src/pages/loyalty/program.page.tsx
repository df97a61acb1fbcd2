import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EVENT_KINDS, useCreateProgramVersion, useProgram, useProgramVersions, type ProgramRules, type ProgramVersion } from '../../api/loyalty.api';
import { isApiError } from '../../api/api-client';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Field, FormDialog } from '../settings/dialog';
import { serverErrors } from './loyalty-forms';
import { capText, earnText, expiryText, multiplierText, pendingText } from './loyalty-words';

/** Programme rules: what is in force now, in words, and every version with its effective date. */
export function LoyaltyProgramPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const program = useProgram();
  const versions = useProgramVersions();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ProgramVersion | null>(null);

  if (program.isPending) return <Loading />;
  if (program.isError) return <ErrorState error={program.error} onRetry={() => void program.refetch()} />;
  const r = program.data;
  const items = [...(versions.data?.items ?? [])].reverse();
  const now = Date.now();
  const inForce = program.data.version;
  const next = versions.data?.items.find((v) => Date.parse(v.effectiveFrom) > now);

  return (
    <div className="page loyalty-page">
      <div className="page-head">
        <div>
          <h1>{t('loyalty.program.title')}</h1>
          <p className="muted" data-testid="program-version">
            {r.version === 0 ? t('loyalty.program.defaults') : t('loyalty.program.inForce', { version: r.version })}
            {next ? <span className="dash-vs">{t('loyalty.program.next', { version: next.version, date: f.dateTime(next.effectiveFrom) })}</span> : null}
          </p>
        </div>
        {can(me, 'loyalty:admin') ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            <Icon name="plus" size={16} />
            {t('loyalty.program.newVersion')}
          </button>
        ) : null}
      </div>
      {created ? (
        <div className="notice loyalty-notice-ok" role="status">
          {t('loyalty.program.created', { version: created.version, date: f.dateTime(created.effectiveFrom) })}
        </div>
      ) : null}

      <section className="kpis loyalty-rule-kpis" aria-label={t('loyalty.program.summary')}>
        <RuleKpi label={t('loyalty.rules.earn')} value={earnText(t, f, r)} note={t('loyalty.rules.rounding')} testId="rule-earn" />
        <RuleKpi label={t('loyalty.rules.pendingTitle')} value={pendingText(t, r)} note={t('loyalty.rules.pendingNote')} />
        <RuleKpi label={t('loyalty.rules.expiryTitle')} value={expiryText(t, r)} note={t('loyalty.rules.expiryNote')} />
        <RuleKpi
          label={t('loyalty.rules.cashTitle')}
          value={t('loyalty.rules.cash', { points: f.number(r.pointsPerYuanCash) })}
          note={t('loyalty.rules.cashNote')}
          testId="rule-cash"
        />
      </section>

      <div className="grid-2">
        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.rules.multipliers')}</h2>
            <span className="muted small">{t(`loyalty.rules.combination.${r.multiplierCombination}`)}</span>
          </div>
          {r.multipliers.length === 0 ? (
            <Empty title={t('loyalty.rules.noMultipliers')} />
          ) : (
            <ul className="loyalty-list">
              {r.multipliers.map((m, i) => (
                <li key={i}>{multiplierText(t, f, m)}</li>
              ))}
            </ul>
          )}
          <h3 className="loyalty-subhead">{t('loyalty.rules.capsTitle')}</h3>
          <dl className="facts loyalty-facts">
            <div>
              <dt>{t('loyalty.rules.capPerOrder')}</dt>
              <dd>{capText(t, f, r.caps.perOrder)}</dd>
            </div>
            <div>
              <dt>{t('loyalty.rules.capPerDay')}</dt>
              <dd>{capText(t, f, r.caps.perDay)}</dd>
            </div>
          </dl>
          <h3 className="loyalty-subhead">{t('loyalty.rules.exclusions')}</h3>
          {r.excludedSkus.length === 0 ? (
            <p className="muted small">{t('loyalty.rules.noExclusions')}</p>
          ) : (
            <div className="chips">
              {r.excludedSkus.map((s) => (
                <span className="chip chip-plain mono" key={s}>
                  {s}
                </span>
              ))}
            </div>
          )}
          <h3 className="loyalty-subhead">{t('loyalty.rules.clawbackTitle')}</h3>
          <p className="loyalty-para">{t(`loyalty.rules.clawback.${r.clawbackWhenSpent}`)}</p>
        </section>

        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.rules.eventPoints')}</h2>
          </div>
          <table className="table table-compact">
            <tbody>
              {EVENT_KINDS.map((k) => (
                <tr key={k}>
                  <td>{t(`loyalty.event.${k}`)}</td>
                  <td className="num">{r.eventPoints[k] === 0 ? <span className="muted">{t('loyalty.rules.none')}</span> : t('loyalty.rules.pointsN', { value: f.number(r.eventPoints[k]) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      <section className="card">
        <div className="card-head">
          <h2>{t('loyalty.program.history')}</h2>
          <span className="muted small">{t('loyalty.program.historyNote')}</span>
        </div>
        {versions.isPending ? (
          <Loading />
        ) : versions.isError ? (
          <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />
        ) : items.length === 0 ? (
          <Empty title={t('loyalty.program.noVersions')}>{t('loyalty.program.noVersionsHint')}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="program-versions">
              <thead>
                <tr>
                  <th>{t('loyalty.program.version')}</th>
                  <th>{t('loyalty.program.effectiveFrom')}</th>
                  <th>{t('loyalty.rules.earn')}</th>
                  <th className="hide-narrow">{t('loyalty.rules.expiryTitle')}</th>
                  <th>{t('loyalty.program.note')}</th>
                  <th className="hide-narrow">{t('loyalty.program.createdBy')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <tr key={v.version}>
                    <td className="nowrap">
                      v{v.version}
                      {v.version === inForce ? (
                        <span className="badge badge-ok">{t('loyalty.program.current')}</span>
                      ) : Date.parse(v.effectiveFrom) > now ? (
                        <span className="badge badge-warn">{t('loyalty.program.scheduled')}</span>
                      ) : null}
                    </td>
                    <td className="nowrap">{f.dateTime(v.effectiveFrom)}</td>
                    <td>{earnText(t, f, v.rules)}</td>
                    <td className="hide-narrow">{expiryText(t, v.rules)}</td>
                    <td>{v.note ?? <span className="muted">—</span>}</td>
                    <td className="muted hide-narrow nowrap">{v.createdBy.split(':').slice(1).join(':') || v.createdBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {creating ? (
        <VersionDialog
          rules={r}
          onClose={() => setCreating(false)}
          onCreated={(v) => {
            setCreating(false);
            setCreated(v);
          }}
        />
      ) : null}
    </div>
  );
}

function RuleKpi({ label, value, note, testId }: { label: string; value: string; note: string; testId?: string }) {
  return (
    <div className="kpi loyalty-rule-kpi">
      <div className="kpi-label">{label}</div>
      <div className="loyalty-rule-value" data-testid={testId}>
        {value}
      </div>
      <div className="kpi-note">{note}</div>
    </div>
  );
}

type Form = {
  earnPoints: string;
  earnYuan: string;
  pendingDays: string;
  expiryPolicy: 'rolling_months' | 'end_of_year' | 'never';
  expiryMonths: string;
  expiryYearsAfter: string;
  capPerOrder: string;
  capPerDay: string;
  clawback: ProgramRules['clawbackWhenSpent'];
  pointsPerYuanCash: string;
  excludedSkus: string;
  effectiveDate: string;
  note: string;
} & Record<`event_${(typeof EVENT_KINDS)[number]}`, string>;

/** A number typed in a field: '' stays '' (the API says what is missing), anything else as typed. */
const num = (s: string): number | string => (s.trim() === '' ? s : Number(s.trim()));

function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function formOf(r: ProgramRules): Form {
  const events = Object.fromEntries(EVENT_KINDS.map((k) => [`event_${k}`, String(r.eventPoints[k])])) as Record<`event_${(typeof EVENT_KINDS)[number]}`, string>;
  return {
    earnPoints: String(r.earn.points),
    earnYuan: String(r.earn.perFen / 100),
    pendingDays: String(r.pendingDays),
    expiryPolicy: r.expiry.policy,
    expiryMonths: r.expiry.policy === 'rolling_months' ? String(r.expiry.months) : '24',
    expiryYearsAfter: r.expiry.policy === 'end_of_year' ? String(r.expiry.yearsAfter) : '1',
    capPerOrder: r.caps.perOrder === null ? '' : String(r.caps.perOrder),
    capPerDay: r.caps.perDay === null ? '' : String(r.caps.perDay),
    clawback: r.clawbackWhenSpent,
    pointsPerYuanCash: String(r.pointsPerYuanCash),
    excludedSkus: r.excludedSkus.join(', '),
    effectiveDate: tomorrow(),
    note: '',
    ...events,
  };
}

/** API path (after `rules.`) → the form field showing it. */
const FIELD_OF: Record<string, keyof Form> = {
  'earn.points': 'earnPoints',
  'earn.perFen': 'earnYuan',
  pendingDays: 'pendingDays',
  'expiry.months': 'expiryMonths',
  'expiry.yearsAfter': 'expiryYearsAfter',
  expiry: 'expiryPolicy',
  'caps.perOrder': 'capPerOrder',
  'caps.perDay': 'capPerDay',
  clawbackWhenSpent: 'clawback',
  pointsPerYuanCash: 'pointsPerYuanCash',
  excludedSkus: 'excludedSkus',
  effectiveFrom: 'effectiveDate',
  note: 'note',
};

/** The rules' ranges (src/modules/loyalty/domain/program.ts), to say a refused number in the reader's language. */
const RANGES: Partial<Record<string, [number, number]>> = {
  earnPoints: [0, 100_000],
  earnYuan: [0.01, 1_000_000],
  pendingDays: [0, 365],
  pointsPerYuanCash: [1, 1_000_000],
  capPerOrder: [0, 1_000_000_000],
  capPerDay: [0, 1_000_000_000],
  expiryMonths: [1, 120],
  expiryYearsAfter: [0, 10],
  ...Object.fromEntries(EVENT_KINDS.map((k) => [`event_${k}`, [0, 1_000_000_000]])),
};

function fieldOf(path: string): string {
  const p = path.replace(/^rules\./, '');
  const event = /^eventPoints\.(\w+)/.exec(p);
  if (event) return `event_${event[1]}`;
  const exact = FIELD_OF[p] ?? FIELD_OF[p.replace(/\.\d+$/, '')];
  return exact ?? '';
}

function VersionDialog({ rules, onClose, onCreated }: { rules: ProgramRules; onClose: () => void; onCreated: (v: ProgramVersion) => void }) {
  const { t } = useTranslation();
  const create = useCreateProgramVersion();
  const [form, setForm] = useState<Form>(() => formOf(rules));
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const yuan = num(form.earnYuan);
    const expiry =
      form.expiryPolicy === 'rolling_months'
        ? { policy: 'rolling_months', months: num(form.expiryMonths) }
        : form.expiryPolicy === 'end_of_year'
          ? { policy: 'end_of_year', yearsAfter: num(form.expiryYearsAfter) }
          : { policy: 'never' };
    const next = {
      ...rules,
      earn: { ...rules.earn, points: num(form.earnPoints), perFen: typeof yuan === 'number' ? Math.round(yuan * 100) : yuan },
      pendingDays: num(form.pendingDays),
      expiry,
      caps: { perOrder: form.capPerOrder.trim() === '' ? null : num(form.capPerOrder), perDay: form.capPerDay.trim() === '' ? null : num(form.capPerDay) },
      clawbackWhenSpent: form.clawback,
      pointsPerYuanCash: num(form.pointsPerYuanCash),
      excludedSkus: form.excludedSkus
        .split(/[\s,，]+/)
        .map((s) => s.trim())
        .filter(Boolean),
      eventPoints: Object.fromEntries(EVENT_KINDS.map((k) => [k, num(form[`event_${k}`])])),
    } as unknown as ProgramRules;
    create.mutate(
      { rules: next, effectiveFrom: form.effectiveDate || undefined, note: form.note.trim() || undefined },
      { onSuccess: onCreated },
    );
  };

  const server = serverErrors(
    create.error,
    t('errors.network'),
    (code) =>
      code === 'loyalty.effective_in_past'
        ? { effectiveDate: t('loyalty.program.form.inPast') }
        : code === 'loyalty.effective_not_after_last'
          ? { effectiveDate: t('loyalty.program.form.notAfterLast') }
          : null,
    fieldOf,
  );
  const f = useFormat();
  const err = (k: keyof Form) => {
    const problem = server.fields[k];
    const range = RANGES[k];
    // The API's words are English and for API callers: a number out of its range reads in the form's language.
    return problem && range && isApiError(create.error) && create.error.body.code === 'loyalty.rules_invalid'
      ? t('loyalty.program.form.range', { min: f.number(range[0]), max: f.number(range[1]) })
      : problem;
  };
  const unplaced = server.fields[''];

  const number = (k: keyof Form, label: string, hint?: string, extra?: ReactNode) => (
    <Field label={label} hint={hint} error={err(k)}>
      <span className="loyalty-input-row">
        <input name={k} inputMode="decimal" autoComplete="off" value={form[k]} onChange={set(k)} aria-invalid={!!err(k)} />
        {extra}
      </span>
    </Field>
  );

  return (
    <FormDialog title={t('loyalty.program.form.title')} formId="program-version" submit={t('loyalty.program.form.submit')} busy={create.isPending} wide onClose={onClose}>
      <form id="program-version" className="settings-form" onSubmit={submit} noValidate>
        <p className="muted small loyalty-para">{t('loyalty.program.form.intro')}</p>
        <fieldset className="settings-fieldset loyalty-form-grid">
          <legend>{t('loyalty.rules.earn')}</legend>
          {number('earnPoints', t('loyalty.program.form.earnPoints'), t('loyalty.program.form.earnPointsHint'))}
          {number('earnYuan', t('loyalty.program.form.earnYuan'), t('loyalty.program.form.earnYuanHint'))}
          {number('pendingDays', t('loyalty.program.form.pendingDays'), t('loyalty.program.form.pendingDaysHint'))}
          {number('pointsPerYuanCash', t('loyalty.program.form.pointsPerYuanCash'), t('loyalty.program.form.pointsPerYuanCashHint'))}
          {number('capPerOrder', t('loyalty.rules.capPerOrder'), t('loyalty.program.form.capHint'))}
          {number('capPerDay', t('loyalty.rules.capPerDay'), t('loyalty.program.form.capHint'))}
        </fieldset>
        <fieldset className="settings-fieldset loyalty-form-grid">
          <legend>{t('loyalty.rules.expiryTitle')}</legend>
          <Field label={t('loyalty.program.form.expiryPolicy')} error={err('expiryPolicy')}>
            <select name="expiryPolicy" value={form.expiryPolicy} onChange={set('expiryPolicy')}>
              <option value="rolling_months">{t('loyalty.program.form.policy.rolling_months')}</option>
              <option value="end_of_year">{t('loyalty.program.form.policy.end_of_year')}</option>
              <option value="never">{t('loyalty.program.form.policy.never')}</option>
            </select>
          </Field>
          {form.expiryPolicy === 'rolling_months' ? number('expiryMonths', t('loyalty.program.form.expiryMonths'), t('loyalty.program.form.expiryMonthsHint')) : null}
          {form.expiryPolicy === 'end_of_year' ? number('expiryYearsAfter', t('loyalty.program.form.expiryYearsAfter'), t('loyalty.program.form.expiryYearsAfterHint')) : null}
          <Field label={t('loyalty.rules.clawbackTitle')} error={err('clawback')}>
            <select name="clawback" value={form.clawback} onChange={set('clawback')}>
              <option value="negative_balance">{t('loyalty.program.form.clawback.negative_balance')}</option>
              <option value="deduct_from_refund">{t('loyalty.program.form.clawback.deduct_from_refund')}</option>
            </select>
          </Field>
        </fieldset>
        <fieldset className="settings-fieldset loyalty-form-grid loyalty-form-grid-4">
          <legend>{t('loyalty.rules.eventPoints')}</legend>
          {EVENT_KINDS.map((k) => (
            <Field key={k} label={t(`loyalty.event.${k}`)} error={err(`event_${k}`)}>
              <input name={`event_${k}`} inputMode="numeric" autoComplete="off" value={form[`event_${k}`]} onChange={set(`event_${k}`)} />
            </Field>
          ))}
        </fieldset>
        <Field label={t('loyalty.rules.exclusions')} hint={t('loyalty.program.form.exclusionsHint')} error={err('excludedSkus')}>
          <input name="excludedSkus" autoComplete="off" value={form.excludedSkus} onChange={set('excludedSkus')} />
        </Field>
        {rules.multipliers.length > 0 ? <p className="muted small loyalty-para">{t('loyalty.program.form.multipliersKept', { count: rules.multipliers.length })}</p> : null}
        <div className="loyalty-form-grid">
          <Field label={t('loyalty.program.effectiveFrom')} hint={t('loyalty.program.form.effectiveHint')} error={err('effectiveDate')}>
            <input name="effectiveDate" type="date" value={form.effectiveDate} onChange={set('effectiveDate')} />
          </Field>
          <Field label={t('loyalty.program.note')} hint={t('loyalty.program.form.noteHint')} error={err('note')}>
            <input name="note" maxLength={500} autoComplete="off" value={form.note} onChange={set('note')} />
          </Field>
        </div>
        {server.form || unplaced ? (
          <div className="form-error" role="alert">
            {server.form ?? unplaced}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
