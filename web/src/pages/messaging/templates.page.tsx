import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../../api/api-client';
import type { CustomerSummary } from '../../api/customers.api';
import {
  CHANNELS,
  LOCALES,
  previewTemplate,
  smsParts,
  useMessageTemplate,
  useMessageTemplates,
  useSaveTemplate,
  variablesIn,
  type Channel,
  type Contents,
  type Locale,
  type PreviewResult,
  type Template,
} from '../../api/messaging.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { useDebounced } from '../../hooks/use-debounced';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { CustomerPicker } from '../promotions/customer-picker';
import { Field } from '../journeys/fields';
import '../journeys/journeys.css';

/** The variables every template may use (the customer's own, the store's, offers); providers add more by name. */
export const KNOWN_VARIABLES = ['name', 'tierName', 'pointsBalance', 'brand', 'coupon.code', 'nearestStore', 'nearbyStoresLine', 'recommendation', 'winBackOffer', 'favouriteCategory', 'tierBenefits', 'referralLink', 'unsubscribeUrl'] as const;

/** Message templates: per channel and locale, what they say; where they are used. */
export function TemplatesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const write = can(me, 'messaging:write');
  const list = useMessageTemplates();
  const [q, setQ] = useState('');
  const rows = (list.data ?? []).filter((x) => !q || `${x.name} ${x.code}`.toLowerCase().includes(q.toLowerCase()));
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('messaging.templates.title')}</h1>
          <p className="muted">{t('messaging.templates.subtitle')}</p>
        </div>
        {write ? (
          <Link to="/messaging/templates/new" className="btn btn-primary" data-testid="template-new">
            <Icon name="plus" size={16} />
            {t('messaging.templates.new')}
          </Link>
        ) : null}
      </div>
      <section className="card">
        <div className="card-head">
          <input type="search" className="jr-search" placeholder={t('messaging.templates.search')} aria-label={t('messaging.templates.search')} value={q} onChange={(e) => setQ(e.target.value)} />
          {list.data ? <span className="muted small">{t('messaging.templates.count', { n: f.number(list.data.length) })}</span> : null}
        </div>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : rows.length === 0 ? (
          <Empty title={t('messaging.templates.empty')} />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="template-table">
              <thead>
                <tr>
                  <th>{t('messaging.templates.name')}</th>
                  <th>{t('messaging.templates.purpose')}</th>
                  <th>{t('messaging.templates.channels')}</th>
                  <th>{t('messaging.templates.sample')}</th>
                  <th className="nowrap">{t('messaging.templates.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((x) => (
                  <tr key={x.code} data-code={x.code}>
                    <td>
                      <Link to={`/messaging/templates/${encodeURIComponent(x.code)}`} className="jr-name">
                        {x.name}
                      </Link>
                      <div className="mono muted small">{x.code}</div>
                    </td>
                    <td>
                      <span className={x.purpose === 'service' ? 'badge badge-muted' : 'badge jr-purpose-marketing'}>{t(`messaging.purpose.${x.purpose}`)}</span>
                      {x.status === 'archived' ? <span className="badge badge-muted">{t('messaging.templates.archived')}</span> : null}
                    </td>
                    <td>
                      <div className="jr-channel-chips">
                        {CHANNELS.filter((c) => x.contents?.[c]).map((c) => (
                          <span key={c} className={`jr-ch jr-ch-${c}`}>
                            {t(`messaging.channel.${c}`)}
                            <small>{LOCALES.filter((l) => x.contents?.[c]?.[l]?.body).map((l) => (l === 'zh-CN' ? '中' : 'EN')).join('/')}</small>
                          </span>
                        ))}
                      </div>
                    </td>
                    <td className="jr-sample muted small">{firstBody(x)}</td>
                    <td className="muted small nowrap">{f.date(x.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** The contents as stored: only the channel × language texts that have a body. */
function draftContents(contents: Contents): Contents {
  const clean: Contents = {};
  for (const [ch, byLocale] of Object.entries(contents) as Array<[Channel, Contents[Channel]]>) {
    const keep: Partial<Record<Locale, { subject?: string; body: string }>> = {};
    for (const [l, b] of Object.entries(byLocale ?? {}) as Array<[Locale, { subject?: string; body: string }]>) if (b?.body?.trim()) keep[l] = { ...(b.subject ? { subject: b.subject } : {}), body: b.body };
    if (Object.keys(keep).length) clean[ch] = keep;
  }
  return clean;
}

function firstBody(x: Template): string {
  for (const c of CHANNELS) for (const l of LOCALES) if (x.contents?.[c]?.[l]?.body) return x.contents[c]![l]!.body;
  return '—';
}

export function TemplateNewPage() {
  return <TemplateEditor template={undefined} />;
}

export function TemplateEditPage() {
  const { code } = useParams();
  const q = useMessageTemplate(code);
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  return <TemplateEditor key={`${q.data.code}:${q.data.version}`} template={q.data} />;
}

const SUBJECT_CHANNELS: Channel[] = ['email', 'app_push', 'guide_task', 'wechat'];

/** The template editor: tabs per channel × locale, variables to insert, SMS length, and a live preview for a chosen customer. */
function TemplateEditor({ template }: { template: Template | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const write = can(me, 'messaging:write');
  const [code, setCode] = useState(template?.code ?? '');
  const [name, setName] = useState(template?.name ?? '');
  const [purpose, setPurpose] = useState<'marketing' | 'service'>(template?.purpose ?? 'marketing');
  const [contents, setContents] = useState<Contents>(template?.contents ?? { sms: { 'zh-CN': { body: '' }, en: { body: '' } } });
  const firstChannel = (CHANNELS.find((c) => template?.contents?.[c]) ?? 'sms') as Channel;
  const [channel, setChannel] = useState<Channel>(firstChannel);
  const [locale, setLocale] = useState<Locale>('zh-CN');
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [saved, setSaved] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const save = useSaveTemplate(template?.code);
  const bodyRef = useRef<HTMLTextAreaElement>(null);

  const cur = contents[channel]?.[locale] ?? { body: '' };
  const setCur = (patch: Partial<{ subject: string; body: string }>) => {
    setSaved(false);
    setContents((c) => ({ ...c, [channel]: { ...c[channel], [locale]: { ...(c[channel]?.[locale] ?? { body: '' }), ...patch } } }));
  };
  const removeChannel = (ch: Channel) => {
    setContents((c) => {
      const n = { ...c };
      delete n[ch];
      return n;
    });
    if (ch === channel) setChannel((CHANNELS.find((x) => x !== ch && contents[x]) ?? 'sms') as Channel);
  };
  const used = useMemo(() => {
    const out = new Set<string>();
    for (const c of Object.values(contents)) for (const b of Object.values(c ?? {})) for (const v of variablesIn(`${b?.subject ?? ''} ${b?.body ?? ''}`)) out.add(v);
    return out;
  }, [contents]);
  const insert = (v: string) => {
    const el = bodyRef.current;
    const text = `{{${v}}}`;
    const body = cur.body ?? '';
    const at = el ? el.selectionStart : body.length;
    const end = el ? el.selectionEnd : body.length;
    setCur({ body: body.slice(0, at) + text + body.slice(end) });
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(at + text.length, at + text.length);
    });
  };

  const submit = () => {
    setFieldErrors({});
    const clean = draftContents(contents);
    save.mutate(
      { code: code.trim(), name: name.trim(), purpose, contents: clean },
      {
        onSuccess: (r) => {
          setSaved(true);
          if (!template) navigate(`/messaging/templates/${encodeURIComponent(r.code ?? code.trim())}`, { replace: true });
        },
        onError: (e) => {
          if (isApiError(e) && e.body.details?.issues) {
            const fe: Record<string, string> = {};
            for (const i of e.body.details.issues) fe[String(i.path).split('.')[0]!] = i.message;
            setFieldErrors(fe);
          }
        },
      },
    );
  };

  const sms = channel === 'sms' ? smsParts(cur.body ?? '') : null;
  const channelsPresent = CHANNELS.filter((c) => contents[c]);
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <Link to="/messaging/templates" className="back-link">
            <Icon name="back" size={16} />
            {t('messaging.templates.back')}
          </Link>
          <h1>{template ? template.name : t('messaging.templates.newTitle')}</h1>
          {template ? <p className="muted">{t('messaging.templates.versionLine', { n: template.version })}</p> : null}
        </div>
        {write ? (
          <div className="jr-head-actions">
            {saved ? (
              <span className="jr-saved" data-testid="template-saved">
                <Icon name="check" size={16} /> {t('messaging.templates.saved')}
              </span>
            ) : null}
            <button type="button" className="btn btn-primary" onClick={submit} disabled={save.isPending} data-testid="template-save">
              {t('messaging.templates.save')}
            </button>
          </div>
        ) : null}
      </div>
      {save.isError ? (
        <div className="form-error" role="alert">
          {save.error.message}
        </div>
      ) : null}

      <section className="card">
        <div className="jr-grid-3">
          <Field label={t('messaging.templates.name')} error={fieldErrors.name}>
            <input type="text" name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} />
          </Field>
          <Field label={t('messaging.templates.code')} error={fieldErrors.code}>
            <input type="text" name="code" className="mono" value={code} disabled={!!template} onChange={(e) => setCode(e.target.value)} maxLength={64} />
          </Field>
          <Field label={t('messaging.templates.purpose')} hint={t(`messaging.purposeHint.${purpose}`)}>
            <select name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value as 'marketing' | 'service')}>
              <option value="marketing">{t('messaging.purpose.marketing')}</option>
              <option value="service">{t('messaging.purpose.service')}</option>
            </select>
          </Field>
        </div>
      </section>

      <div className="jr-tpl-layout">
        <section className="card jr-tpl-editor">
          <div className="jr-tabs jr-channel-tabs" role="tablist" aria-label={t('messaging.templates.channels')}>
            {CHANNELS.map((c) => (
              <button
                key={c}
                type="button"
                role="tab"
                aria-selected={channel === c}
                className={`jr-tab${channel === c ? ' active' : ''}${contents[c] ? '' : ' jr-tab-empty'}`}
                onClick={() => setChannel(c)}
                data-channel={c}
              >
                {t(`messaging.channel.${c}`)}
                {contents[c] ? <span className="jr-tab-dot" /> : null}
              </button>
            ))}
          </div>
          <div className="jr-locale-row">
            <div className="jr-seg" role="tablist" aria-label={t('messaging.templates.locale')}>
              {LOCALES.map((l) => (
                <button key={l} type="button" role="tab" aria-selected={locale === l} className={locale === l ? 'active' : ''} onClick={() => setLocale(l)} data-locale={l}>
                  {t(`messaging.locale.${l}`)}
                  {contents[channel]?.[l]?.body ? ' ✓' : ''}
                </button>
              ))}
            </div>
            {contents[channel] && channelsPresent.length > 1 && write ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => removeChannel(channel)}>
                {t('messaging.templates.removeChannel')}
              </button>
            ) : null}
          </div>
          {SUBJECT_CHANNELS.includes(channel) ? (
            <Field label={channel === 'email' ? t('messaging.templates.subject') : t('messaging.templates.messageTitle')}>
              <input type="text" name="subject" value={cur.subject ?? ''} onChange={(e) => setCur({ subject: e.target.value })} disabled={!write} />
            </Field>
          ) : null}
          <Field label={t('messaging.templates.body')} error={fieldErrors.contents}>
            <textarea ref={bodyRef} name="body" rows={channel === 'email' ? 10 : 5} value={cur.body ?? ''} onChange={(e) => setCur({ body: e.target.value })} disabled={!write} placeholder={t('messaging.templates.bodyPlaceholder')} />
          </Field>
          {sms ? (
            <div className={sms.parts > 1 ? 'jr-sms-count warn' : 'jr-sms-count'} data-testid="sms-count">
              {t('messaging.templates.smsCount', { length: sms.length, parts: sms.parts, per: sms.perPart })}
            </div>
          ) : null}
          <div className="jr-vars">
            <span className="muted small">{t('messaging.templates.variables')}</span>
            <div className="jr-var-list">
              {[...new Set([...KNOWN_VARIABLES, ...used])].map((v) => (
                <button key={v} type="button" className={used.has(v) ? 'jr-var used' : 'jr-var'} onClick={() => insert(v)} disabled={!write} title={t(`messaging.var.${v.replace(".", "_")}`, { defaultValue: v })} data-var={v}>
                  {`{{${v}}}`}
                  <small>{t(`messaging.var.${v.replace(".", "_")}`, { defaultValue: '' })}</small>
                </button>
              ))}
            </div>
          </div>
        </section>

        <aside className="card jr-preview" data-testid="template-preview">
          <div className="card-head">
            <h2>{t('messaging.templates.preview')}</h2>
            <span className="muted small">
              {t(`messaging.channel.${channel}`)} · {t(`messaging.locale.${locale}`)}
            </span>
          </div>
          <CustomerPicker value={customer} onChange={setCustomer} name="preview-customer" />
          <Preview code={template?.code ?? code.trim()} customerId={customer?.id ?? null} channel={channel} locale={locale} contents={contents} />
        </aside>
      </div>
    </div>
  );
}

function Preview({ code, customerId, channel, locale, contents }: { code: string; customerId: string | null; channel: Channel; locale: Locale; contents: Contents }) {
  const { t } = useTranslation();
  const key = useDebounced(JSON.stringify({ code, customerId, channel, locale, contents: draftContents(contents) }), 350);
  const [state, setState] = useState<{ result?: PreviewResult; error?: string; loading: boolean }>({ loading: false });
  const saved = !!contents[channel]?.['zh-CN']?.body?.trim();
  useEffect(() => {
    const p = JSON.parse(key) as { code: string; customerId: string | null; channel: Channel; locale: Locale; contents: Contents };
    if (!p.contents[p.channel]?.['zh-CN']?.body) {
      setState({ loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    previewTemplate(p.code || 'draft', { ...(p.customerId ? { customerId: p.customerId } : {}), channel: p.channel, locale: p.locale, contents: p.contents }, ctl.signal).then(
      (result) => setState({ result, loading: false }),
      (e: Error) => {
        if (e.name !== 'AbortError') setState({ error: e.message, loading: false });
      },
    );
    return () => ctl.abort();
  }, [key, saved]);
  if (!saved) return <p className="muted small">{t('messaging.templates.previewEmpty')}</p>;
  if (state.error)
    return (
      <div className="form-error" role="alert">
        {state.error}
      </div>
    );
  if (!state.result) return <Loading />;
  const r = state.result;
  return (
    <>
      <p className="muted small">{customerId ? t('messaging.templates.previewFor') : t('messaging.templates.previewSample')}</p>
      <div className={state.loading ? 'jr-phone jr-stale' : 'jr-phone'} data-state={state.loading ? 'loading' : 'fresh'}>
        <div className={`jr-bubble jr-bubble-${channel}`}>
          {r.subject ? (
            <div className="jr-bubble-subject" data-testid="preview-subject">
              {r.subject}
            </div>
          ) : null}
          <div className="jr-bubble-body" data-testid="preview-body">
            {r.body}
          </div>
        </div>
      </div>
      {r.unknown?.length ? <p className="muted small">{t('messaging.templates.missing', { list: r.unknown.join(', ') })}</p> : null}
      {r.warnings?.map((w) => (
        <p key={w.path} className="muted small">
          {w.message}
        </p>
      ))}
    </>
  );
}
