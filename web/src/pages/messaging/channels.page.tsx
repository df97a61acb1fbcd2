import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/api-client';
import { CHANNEL_ADAPTERS, SECRET_MASK, useChannels, usePolicy, useSavePolicy, useSaveChannel, useTestChannel, type ChannelSettings, type Policy } from '../../api/messaging.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { Field, NumInput } from '../journeys/fields';
import '../journeys/journeys.css';

/** The settings each adapter takes (the server checks them; secrets come back as ••••). */
const ADAPTER_FIELDS: Record<string, Array<{ key: string; kind: 'text' | 'number' | 'secret' | 'bool' | 'select'; options?: string[] }>> = {
  log: [],
  smtp: [
    { key: 'host', kind: 'text' },
    { key: 'port', kind: 'number' },
    { key: 'secure', kind: 'bool' },
    { key: 'user', kind: 'text' },
    { key: 'pass', kind: 'secret' },
    { key: 'from', kind: 'text' },
  ],
  webhook: [
    { key: 'url', kind: 'text' },
    { key: 'secret', kind: 'secret' },
    { key: 'batchSize', kind: 'number' },
    { key: 'timeoutMs', kind: 'number' },
  ],
  wechat: [
    { key: 'appId', kind: 'text' },
    { key: 'appSecret', kind: 'secret' },
    { key: 'kind', kind: 'select', options: ['template', 'subscribe'] },
    { key: 'baseUrl', kind: 'text' },
  ],
  guide_task: [{ key: 'dueDays', kind: 'number' }],
};

/** Channels (adapter and settings per channel, on/off, a test send) and the contact policy (caps, quiet hours, consent). */
export function ChannelsPage() {
  const { t } = useTranslation();
  const channels = useChannels();
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('messaging.channels.title')}</h1>
          <p className="muted">{t('messaging.channels.subtitle')}</p>
        </div>
      </div>
      <PolicyCard />
      {channels.isPending ? (
        <Loading />
      ) : channels.isError ? (
        <ErrorState error={channels.error} onRetry={() => void channels.refetch()} />
      ) : (
        <div className="jr-channel-grid">
          {channels.data.map((c) => (
            <ChannelCard key={`${c.channel}:${c.updatedAt ?? ''}`} c={c} />
          ))}
        </div>
      )}
    </div>
  );
}

function ChannelCard({ c }: { c: ChannelSettings }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'messaging:admin');
  const [enabled, setEnabled] = useState(c.enabled);
  const [adapter, setAdapter] = useState(c.adapter);
  const [config, setConfig] = useState<Record<string, unknown>>(c.config);
  const [rate, setRate] = useState<number | undefined>(c.ratePerSecond ?? undefined);
  const [to, setTo] = useState('');
  const [saved, setSaved] = useState(false);
  const save = useSaveChannel();
  const test = useTestChannel();
  const fieldError = (k: string) => (isApiError(save.error) ? save.error.body.details?.issues?.find((i) => i.path === `config.${k}`)?.message : undefined);
  const submit = () => {
    setSaved(false);
    const clean: Record<string, unknown> = {};
    for (const fd of ADAPTER_FIELDS[adapter] ?? []) {
      const v = config[fd.key];
      if (v === undefined || v === '' || v === null) continue;
      clean[fd.key] = v;
    }
    save.mutate({ channel: c.channel, enabled, adapter, config: clean, ratePerSecond: rate ?? null }, { onSuccess: () => setSaved(true) });
  };
  return (
    <section className={enabled ? 'card jr-channel' : 'card jr-channel off'} data-channel={c.channel}>
      <div className="card-head">
        <div className="jr-channel-title">
          <span className={`jr-ch jr-ch-${c.channel}`}>{t(`messaging.channel.${c.channel}`)}</span>
          <span className="muted small">{c.updatedAt ? t('messaging.channels.updated', { who: c.updatedBy ?? '—', date: f.date(c.updatedAt) }) : t('messaging.channels.defaults')}</span>
        </div>
        <label className="jr-switch">
          <input type="checkbox" name={`${c.channel}-enabled`} checked={enabled} disabled={!admin} onChange={(e) => setEnabled(e.target.checked)} />
          <span className="jr-switch-track" aria-hidden="true" />
          <span>{enabled ? t('messaging.channels.on') : t('messaging.channels.off')}</span>
        </label>
      </div>
      <div className="jr-form">
        <div className="jr-grid-2">
          <Field label={t('messaging.channels.adapter')} hint={t(`messaging.adapterHint.${adapter}`, { defaultValue: '' })}>
            <select name={`${c.channel}-adapter`} value={adapter} disabled={!admin} onChange={(e) => setAdapter(e.target.value)}>
              {CHANNEL_ADAPTERS[c.channel].map((a) => (
                <option key={a} value={a}>
                  {t(`messaging.adapter.${a}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('messaging.channels.rate')} hint={t('messaging.channels.rateHint')}>
            <NumInput name={`${c.channel}-rate`} value={rate} min={1} onChange={setRate} unit={t('messaging.channels.perSecond')} />
          </Field>
        </div>
        {(ADAPTER_FIELDS[adapter] ?? []).length ? (
          <div className="jr-grid-2">
            {(ADAPTER_FIELDS[adapter] ?? []).map((fd) => (
              <Field key={fd.key} label={t(`messaging.config.${fd.key}`)} error={fieldError(fd.key)}>
                {fd.kind === 'bool' ? (
                  <input type="checkbox" name={`${c.channel}-${fd.key}`} checked={config[fd.key] === true} disabled={!admin} onChange={(e) => setConfig({ ...config, [fd.key]: e.target.checked })} />
                ) : fd.kind === 'select' ? (
                  <select name={`${c.channel}-${fd.key}`} value={String(config[fd.key] ?? fd.options![0])} disabled={!admin} onChange={(e) => setConfig({ ...config, [fd.key]: e.target.value })}>
                    {fd.options!.map((o) => (
                      <option key={o} value={o}>
                        {t(`messaging.config.${fd.key}_${o}`)}
                      </option>
                    ))}
                  </select>
                ) : fd.kind === 'number' ? (
                  <NumInput name={`${c.channel}-${fd.key}`} value={config[fd.key] as number | undefined} onChange={(v) => setConfig({ ...config, [fd.key]: v })} />
                ) : (
                  <input
                    type={fd.kind === 'secret' ? 'password' : 'text'}
                    name={`${c.channel}-${fd.key}`}
                    value={String(config[fd.key] ?? '')}
                    disabled={!admin}
                    autoComplete="off"
                    placeholder={fd.kind === 'secret' && config[fd.key] === SECRET_MASK ? SECRET_MASK : undefined}
                    onFocus={(e) => fd.kind === 'secret' && config[fd.key] === SECRET_MASK && e.target.select()}
                    onChange={(e) => setConfig({ ...config, [fd.key]: e.target.value })}
                  />
                )}
                {fd.kind === 'secret' && config[fd.key] === SECRET_MASK ? <small className="muted">{t('messaging.channels.secretKept')}</small> : null}
              </Field>
            ))}
          </div>
        ) : (
          <p className="muted small">{t(`messaging.adapterNote.${adapter}`, { defaultValue: '' })}</p>
        )}
        {admin ? (
          <div className="jr-channel-actions">
            <button type="button" className="btn btn-primary btn-small" disabled={save.isPending} onClick={submit} data-action="save">
              {t('messaging.channels.save')}
            </button>
            {saved ? (
              <span className="jr-saved small">
                <Icon name="check" size={14} /> {t('messaging.channels.saved')}
              </span>
            ) : null}
            <span className="jr-test">
              <input type="text" name={`${c.channel}-test-to`} placeholder={t(`messaging.channels.testTo_${c.channel}`)} value={to} onChange={(e) => setTo(e.target.value)} aria-label={t('messaging.channels.testTo')} />
              <button type="button" className="btn btn-small" disabled={!to.trim() || test.isPending} onClick={() => test.mutate({ channel: c.channel, to: to.trim() })} data-action="test">
                {t('messaging.channels.test')}
              </button>
            </span>
          </div>
        ) : null}
        {save.isError ? (
          <div className="form-error" role="alert">
            {save.error.message}
          </div>
        ) : null}
        {test.data ? (
          <div className={test.data.status === 'sent' ? 'notice jr-notice-ok' : 'notice jr-notice-bad'} data-testid="test-result">
            {test.data.status === 'sent' ? t('messaging.channels.testSent', { adapter: t(`messaging.adapter.${test.data.adapter ?? adapter}`) }) : t('messaging.channels.testFailed', { error: test.data.error ?? test.data.status })}
          </div>
        ) : test.isError ? (
          <div className="form-error" role="alert">
            {test.error.message}
          </div>
        ) : null}
      </div>
    </section>
  );
}

function PolicyCard() {
  const { t } = useTranslation();
  const policy = usePolicy();
  if (policy.isPending) return <Loading />;
  if (policy.isError) return <ErrorState error={policy.error} onRetry={() => void policy.refetch()} />;
  return <PolicyForm key={policy.data.updatedAt ?? 'default'} p={policy.data} title={t('messaging.policy.title')} />;
}

function PolicyForm({ p, title }: { p: Policy; title: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'messaging:admin');
  const [v, setV] = useState<Policy>(p);
  const [saved, setSaved] = useState(false);
  const save = useSavePolicy();
  const move = (i: number, d: -1 | 1) => {
    const order = [...v.channelOrder];
    const j = i + d;
    if (j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j]!, order[i]!];
    setV({ ...v, channelOrder: order });
  };
  return (
    <section className="card" data-testid="policy">
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          <div className="muted small">{p.updatedAt ? t('messaging.channels.updated', { who: p.updatedBy ?? '—', date: f.date(p.updatedAt) }) : t('messaging.policy.subtitle')}</div>
        </div>
        {admin ? (
          <div className="jr-head-actions">
            {saved ? (
              <span className="jr-saved small">
                <Icon name="check" size={14} /> {t('messaging.channels.saved')}
              </span>
            ) : null}
            <button
              type="button"
              className="btn btn-primary btn-small"
              disabled={save.isPending}
              onClick={() => save.mutate({ caps: v.caps, quietHours: v.quietHours, consent: v.consent, channelOrder: v.channelOrder, defaultHour: v.defaultHour }, { onSuccess: () => setSaved(true) })}
              data-testid="policy-save"
            >
              {t('messaging.policy.save')}
            </button>
          </div>
        ) : null}
      </div>
      <div className="jr-policy">
        <fieldset className="jr-policy-block" disabled={!admin}>
          <legend>{t('messaging.policy.caps')}</legend>
          <div className="jr-grid-3">
            {(['day', 'week', 'month'] as const).map((k) => (
              <Field key={k} label={t(`messaging.policy.per_${k}`)}>
                <NumInput name={`cap-${k}`} value={v.caps[k]} min={0} onChange={(n) => setV({ ...v, caps: { ...v.caps, [k]: n ?? 0 } })} unit={t('messaging.policy.msgs')} />
              </Field>
            ))}
          </div>
          <small className="muted">{t('messaging.policy.capsHint')}</small>
        </fieldset>
        <fieldset className="jr-policy-block" disabled={!admin}>
          <legend>{t('messaging.policy.quiet')}</legend>
          <div className="jr-grid-2">
            <Field label={t('messaging.policy.from')}>
              <input type="time" name="quiet-start" value={v.quietHours.start} onChange={(e) => setV({ ...v, quietHours: { ...v.quietHours, start: e.target.value } })} />
            </Field>
            <Field label={t('messaging.policy.to')}>
              <input type="time" name="quiet-end" value={v.quietHours.end} onChange={(e) => setV({ ...v, quietHours: { ...v.quietHours, end: e.target.value } })} />
            </Field>
          </div>
          <label className="jr-check">
            <input type="checkbox" checked={v.quietHours.service} onChange={(e) => setV({ ...v, quietHours: { ...v.quietHours, service: e.target.checked } })} />
            <span>{t('messaging.policy.quietService')}</span>
          </label>
          <Field label={t('messaging.policy.defaultHour')} hint={t('messaging.policy.defaultHourHint')}>
            <NumInput name="default-hour" value={v.defaultHour} min={0} max={23} onChange={(n) => setV({ ...v, defaultHour: n ?? 10 })} unit=":00" />
          </Field>
        </fieldset>
        <fieldset className="jr-policy-block" disabled={!admin}>
          <legend>{t('messaging.policy.consent')}</legend>
          {(['opt_in', 'opt_out'] as const).map((m) => (
            <label key={m} className={v.consent === m ? 'jr-radio-card on' : 'jr-radio-card'}>
              <input type="radio" name="consent" value={m} checked={v.consent === m} onChange={() => setV({ ...v, consent: m })} />
              <span>
                <strong>{t(`messaging.policy.${m}`)}</strong>
                <small className="muted">{t(`messaging.policy.${m}Hint`)}</small>
              </span>
            </label>
          ))}
        </fieldset>
        <fieldset className="jr-policy-block" disabled={!admin}>
          <legend>{t('messaging.policy.order')}</legend>
          <ol className="jr-order">
            {v.channelOrder.map((c, i) => (
              <li key={c}>
                <span className="jr-order-n">{i + 1}</span>
                <span className={`jr-ch jr-ch-${c}`}>{t(`messaging.channel.${c}`)}</span>
                <span className="jr-order-btns">
                  <button type="button" className="btn btn-ghost btn-small" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t('messaging.policy.up')}>
                    ↑
                  </button>
                  <button type="button" className="btn btn-ghost btn-small" onClick={() => move(i, 1)} disabled={i === v.channelOrder.length - 1} aria-label={t('messaging.policy.down')}>
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ol>
          <small className="muted">{t('messaging.policy.orderHint')}</small>
        </fieldset>
      </div>
      {save.isError ? (
        <div className="form-error" role="alert">
          {save.error.message}
        </div>
      ) : null}
    </section>
  );
}
