import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TICKET_KINDS, useReplyTemplates, useSaveReplyTemplate, type ReplyTemplate } from '../../api/service.api';
import { can, useMe } from '../../auth/session';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { FormDialog } from '../settings/dialog';
import { KindLabel } from './service-parts';
import './service.css';

const VARIABLES = ['customerName', 'ticketNumber', 'agentName', 'brand'];

/** Empathy reply templates: per code, the zh-CN and English wording, with the kinds of ticket they fit. */
export function ReplyTemplatesPage() {
  const { t, i18n } = useTranslation();
  const { data: me } = useMe();
  const admin = can(me, 'service:admin');
  const [locale, setLocale] = useState<'zh-CN' | 'en'>(i18n.language.startsWith('zh') ? 'zh-CN' : 'en');
  const list = useReplyTemplates({ all: true });
  const [editing, setEditing] = useState<ReplyTemplate | 'new' | null>(null);
  const shown = (list.data ?? []).filter((x) => x.locale === locale);
  return (
    <div className="page sv-page">
      <div className="page-head">
        <div>
          <h1>{t('service.templates.title')}</h1>
          <p className="muted">{t('service.templates.subtitle')}</p>
        </div>
        <div className="sv-head-actions">
          <div className="segmented" role="group" aria-label={t('service.templates.locale')}>
            {(['zh-CN', 'en'] as const).map((l) => (
              <button key={l} type="button" className={locale === l ? 'active' : ''} onClick={() => setLocale(l)} data-locale={l}>
                {l === 'zh-CN' ? '中文' : 'English'}
              </button>
            ))}
          </div>
          {admin ? (
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="template-new">
              <Icon name="plus" size={16} />
              {t('service.templates.new')}
            </button>
          ) : null}
        </div>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : shown.length === 0 ? (
        <Empty title={t('service.templates.empty')} />
      ) : (
        <div className="sv-template-grid" data-testid="reply-templates">
          {shown.map((x) => (
            <article key={x.id} className={`card sv-template ${x.status === 'archived' ? 'sv-archived' : ''}`} data-code={x.code}>
              <div className="card-head">
                <h2>{x.title}</h2>
                {admin ? (
                  <button type="button" className="btn btn-ghost btn-small" onClick={() => setEditing(x)}>
                    {t('service.templates.edit')}
                  </button>
                ) : null}
              </div>
              <p className="sv-pre sv-template-body">{highlight(x.body)}</p>
              <div className="sv-template-foot">
                <span className="mono muted small">{x.code}</span>
                {x.kinds.length === 0 ? <span className="muted small">{t('service.templates.anyKind')}</span> : x.kinds.map((k) => <KindLabel key={k} kind={k} />)}
                {x.status === 'archived' ? <span className="badge badge-muted">{t('service.templates.archived')}</span> : null}
              </div>
            </article>
          ))}
        </div>
      )}
      {editing ? <TemplateDialog template={editing === 'new' ? null : editing} locale={locale} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}

/** {{variables}} stand out in the text. */
function highlight(body: string) {
  return body.split(/(\{\{\s*\w+\s*\}\})/g).map((part, i) => (part.startsWith('{{') ? <mark key={i} className="sv-var">{part}</mark> : part));
}

function TemplateDialog({ template, locale, onClose }: { template: ReplyTemplate | null; locale: 'zh-CN' | 'en'; onClose: () => void }) {
  const { t } = useTranslation();
  const save = useSaveReplyTemplate();
  const [code, setCode] = useState(template?.code ?? '');
  const [title, setTitle] = useState(template?.title ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [kinds, setKinds] = useState<string[]>(template?.kinds ?? []);
  const [archived, setArchived] = useState(template?.status === 'archived');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      { id: template?.id, code, locale: template?.locale ?? locale, title, body, kinds, categories: template?.categories ?? [], ...(template ? { status: archived ? 'archived' : 'active' } : {}) },
      { onSuccess: onClose },
    );
  };
  return (
    <FormDialog title={template ? t('service.templates.editTitle', { title: template.title }) : t('service.templates.new')} formId="template-form" submit={t('service.templates.save')} busy={save.isPending} wide onClose={onClose}>
      <form id="template-form" className="sv-form" onSubmit={submit}>
        <div className="sv-form-grid">
          <label className="sv-f">
            <span>{t('service.templates.code')}</span>
            <input name="code" value={code} onChange={(e) => setCode(e.target.value)} disabled={!!template} required pattern="[a-z0-9][a-z0-9_\-]*" />
          </label>
          <label className="sv-f">
            <span>{t('service.templates.titleField')}</span>
            <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required />
          </label>
        </div>
        <label className="sv-f">
          <span>{t('service.templates.body')}</span>
          <textarea name="body" rows={7} value={body} onChange={(e) => setBody(e.target.value)} required />
          <small className="muted">
            {t('service.templates.variables')} {VARIABLES.map((v) => `{{${v}}}`).join(' ')}
          </small>
        </label>
        <fieldset className="sv-causes">
          <legend>{t('service.templates.kinds')}</legend>
          {TICKET_KINDS.map((k) => (
            <label key={k} className={kinds.includes(k) ? 'sv-cause selected' : 'sv-cause'}>
              <input type="checkbox" checked={kinds.includes(k)} onChange={() => setKinds((xs) => (xs.includes(k) ? xs.filter((x) => x !== k) : [...xs, k]))} />
              {t(`service.kind.${k}`)}
            </label>
          ))}
        </fieldset>
        {template ? (
          <label className="settings-check">
            <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} />
            {t('service.templates.archive')}
          </label>
        ) : null}
        {save.isError ? (
          <div className="form-error" role="alert">
            {save.error.message}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
