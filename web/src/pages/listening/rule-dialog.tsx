import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/api-client';
import { useMe } from '../../auth/session';
import { Field, FormDialog } from '../settings/dialog';
import { METRICS, SCOPE_TYPES, useSaveRule, type Metric, type Rule, type RuleInput, type ScopeType } from './listening.api';

/** Lines of a textarea, trimmed, without the empty ones. */
const lines = (text: string) => text.split('\n').map((x) => x.trim()).filter(Boolean);

/** "https://hooks.example.com/x secret" per line → webhooks (the secret signs each call). */
function parseWebhooks(text: string): RuleInput['notify']['webhooks'] {
  return lines(text).map((line) => {
    const [url = '', secret = ''] = line.split(/\s+/);
    return { url, secret };
  });
}

/**
 * A spike rule: its name, what it watches (a scope type and key, '*' for each key), the metric, the window, how big
 * a rise over the baseline fires (with a minimum count and the significance level), who hears of it, whether it opens
 * a crisis, and its owner.
 */
export function RuleDialog({ rule, onClose }: { rule: Rule | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const save = useSaveRule();
  const [name, setName] = useState(rule?.name ?? '');
  const [scopeType, setScopeType] = useState<ScopeType>(rule?.scopeType ?? 'brand');
  const [scopeKey, setScopeKey] = useState(rule?.scopeKey ?? '*');
  const [metric, setMetric] = useState<Metric>(rule?.metric ?? 'volume');
  const [windowHours, setWindowHours] = useState(String((rule?.windowMinutes ?? 60) / 60));
  const [increasePct, setIncreasePct] = useState(String(rule?.increasePct ?? 200));
  const [minCount, setMinCount] = useState(String(rule?.minCount ?? 20));
  const [alpha, setAlpha] = useState(String(rule?.alpha ?? 0.001));
  const [minShare, setMinShare] = useState(rule?.minNegativeShare === null || rule?.minNegativeShare === undefined ? '' : String(rule.minNegativeShare * 100));
  const [consoleOn, setConsoleOn] = useState(rule?.notify.console ?? true);
  const [emails, setEmails] = useState((rule?.notify.emails ?? []).join('\n'));
  const [webhooks, setWebhooks] = useState((rule?.notify.webhooks ?? []).map((w) => `${w.url} ${w.secret}`).join('\n'));
  const [opensCrisis, setOpensCrisis] = useState(rule?.opensCrisis ?? false);
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const mine = me?.staff?.id;
  const [ownedByMe, setOwnedByMe] = useState(rule ? rule.ownerId !== null && rule.ownerId === mine : true);
  const issues = isApiError(save.error) ? (save.error.body.details?.issues ?? []) : [];
  const issue = (path: string) => issues.find((x) => x.path === path || x.path.startsWith(`${path}.`))?.message;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Partial<RuleInput> = {
      name: name.trim(),
      scopeType,
      scopeKey: scopeType === 'brand' ? '*' : scopeKey.trim() || '*',
      metric,
      windowMinutes: Math.round(Number(windowHours) * 60),
      increasePct: Number(increasePct),
      minCount: Number(minCount),
      alpha: Number(alpha),
      notify: { console: consoleOn, emails: lines(emails), webhooks: parseWebhooks(webhooks) },
      opensCrisis,
      enabled,
    };
    if (minShare.trim()) body.minNegativeShare = Number(minShare) / 100;
    if (ownedByMe && mine) body.ownerId = mine;
    save.mutate({ id: rule?.id, body }, { onSuccess: onClose });
  };

  return (
    <FormDialog title={rule ? t('listening.rules.editTitle', { name: rule.name }) : t('listening.rules.newTitle')} formId="rule-form" submit={t('listening.rules.save')} busy={save.isPending} wide onClose={onClose}>
      <form id="rule-form" className="ls-form" onSubmit={submit}>
        <Field label={t('listening.rules.name')} error={issue('name')}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
        </Field>
        <div className="ls-form-grid">
          <Field label={t('listening.rules.scopeType')} error={issue('scopeType')}>
            <select name="scopeType" value={scopeType} onChange={(e) => setScopeType(e.target.value as ScopeType)}>
              {SCOPE_TYPES.map((s) => (
                <option key={s} value={s}>
                  {t(`listening.scope.${s}`)}
                </option>
              ))}
            </select>
          </Field>
          {scopeType !== 'brand' ? (
            <Field label={t('listening.rules.scopeKey')} hint={t('listening.rules.scopeKeyHint')} error={issue('scopeKey')}>
              <input name="scopeKey" value={scopeKey} onChange={(e) => setScopeKey(e.target.value)} />
            </Field>
          ) : null}
          <Field label={t('listening.rules.metric')} error={issue('metric')}>
            <select name="metric" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
              {METRICS.map((m) => (
                <option key={m} value={m}>
                  {t(`listening.rules.metrics.${m}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('listening.rules.window')} hint={t('listening.rules.windowHint')} error={issue('windowMinutes')}>
            <input name="windowHours" type="number" min={1} max={24} step={1} value={windowHours} onChange={(e) => setWindowHours(e.target.value)} required />
          </Field>
          <Field label={t('listening.rules.increasePct')} hint={t('listening.rules.increaseHint')} error={issue('increasePct')}>
            <input name="increasePct" type="number" min={1} step="any" value={increasePct} onChange={(e) => setIncreasePct(e.target.value)} required />
          </Field>
          <Field label={t('listening.rules.minCount')} error={issue('minCount')}>
            <input name="minCount" type="number" min={1} step={1} value={minCount} onChange={(e) => setMinCount(e.target.value)} required />
          </Field>
          <Field label={t('listening.rules.alpha')} hint={t('listening.rules.alphaHint')} error={issue('alpha')}>
            <input name="alpha" type="number" min={0} max={0.5} step="any" value={alpha} onChange={(e) => setAlpha(e.target.value)} required />
          </Field>
          {metric === 'negative_share' ? (
            <Field label={t('listening.rules.minShare')} hint={t('listening.rules.minShareHint')} error={issue('minNegativeShare')}>
              <input name="minNegativeShare" type="number" min={0} max={100} step="any" value={minShare} onChange={(e) => setMinShare(e.target.value)} />
            </Field>
          ) : null}
        </div>
        <fieldset className="ls-fieldset">
          <legend>{t('listening.rules.notify')}</legend>
          <label className="ls-check">
            <input type="checkbox" name="console" checked={consoleOn} onChange={(e) => setConsoleOn(e.target.checked)} />
            {t('listening.rules.console')}
          </label>
          <Field label={t('listening.rules.emailList')} hint={t('listening.rules.onePerLine')} error={issue('notify.emails')}>
            <textarea name="emails" rows={2} value={emails} onChange={(e) => setEmails(e.target.value)} />
          </Field>
          <Field label={t('listening.rules.webhookList')} hint={t('listening.rules.webhookHint')} error={issue('notify.webhooks')}>
            <textarea name="webhooks" rows={2} value={webhooks} onChange={(e) => setWebhooks(e.target.value)} />
          </Field>
        </fieldset>
        <div className="ls-checks">
          <label className="ls-check">
            <input type="checkbox" name="opensCrisis" checked={opensCrisis} onChange={(e) => setOpensCrisis(e.target.checked)} />
            {t('listening.rules.opensCrisisLong')}
          </label>
          {mine ? (
            <label className="ls-check">
              <input type="checkbox" name="ownedByMe" checked={ownedByMe} onChange={(e) => setOwnedByMe(e.target.checked)} />
              {t('listening.rules.ownedByMe')}
            </label>
          ) : null}
          <label className="ls-check">
            <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            {t('listening.rules.enabled')}
          </label>
        </div>
        {save.isError && issues.length === 0 ? (
          <div className="form-error" role="alert">
            {save.error.message}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
