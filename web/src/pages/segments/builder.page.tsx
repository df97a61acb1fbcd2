import { useMemo, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { isApiError } from '../../api/api-client';
import { preview, useCreateSegment, useCreateStatic } from '../../api/segments.api';
import { useFormat } from '../../format/format';
import { ErrorState } from '../../components/states';
import { Field } from '../settings/dialog';
import { CustomerSample } from './customer-sample';
import { GroupEditor, type NodeErrors } from './rule-editor';
import { countConds, newCond, newGroup, nodeOfPath, toRule, type Group } from './rule-model';
import { BackToList } from './seg-parts';
import { lineIssue, ruleIssue } from './segment-words';
import './segments.css';
import { useDebounced } from '../../hooks/use-debounced';
import { TextFileButton } from '../../components/text-file-button';

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** "Bought dresses 30d" → "bought_dresses_30d"; Chinese names give nothing (the code is typed). */
function codeOf(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^[^a-z]+/, '');
  return s.slice(0, 64);
}

/** Issue paths of a refusal → messages next to the node they name; what names no node stays for the panel. */
function issuesByNode(t: TFunction, error: unknown, paths: Array<{ path: string; id: string }>): { nodes: NodeErrors; rest: string[] } {
  const nodes: NodeErrors = {};
  const rest: string[] = [];
  if (!isApiError(error)) return { nodes, rest };
  for (const i of error.body.details?.issues ?? []) {
    const id = nodeOfPath(paths, i.path);
    const message = ruleIssue(t, i.message.replace(/^rule(\.[a-z]+\[\d+\]|\.not)*\.?\s*/, '').trim() || i.message);
    if (id) (nodes[id] ??= []).push(message);
    else rest.push(i.message);
  }
  if (Object.keys(nodes).length === 0 && rest.length === 0) rest.push(error.message);
  return { nodes, rest };
}

/** Build a rule segment without SQL: AND / OR / NOT groups of conditions, a live count while editing, save. Also a static list from a file. */
export function SegmentBuilderPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const [root, setRoot] = useState<Group>(() => newGroup('all', [newCond('purchase')]));
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [codeTouched, setCodeTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [tried, setTried] = useState(false);
  const create = useCreateSegment();

  const { rule, paths } = useMemo(() => toRule(root), [root]);
  const json = JSON.stringify(rule);
  const debounced = useDebounced(json, 400);
  const conditions = countConds(root);
  const live = useQuery({
    queryKey: ['segments', 'preview', debounced],
    queryFn: ({ signal }) => preview(JSON.parse(debounced), signal),
    enabled: conditions > 0,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
  const fresh = debounced === json && !live.isFetching;
  const errors = live.isError && fresh ? issuesByNode(t, live.error, paths) : { nodes: {}, rest: [] };
  const saveErrors = create.isError ? issuesByNode(t, create.error, paths) : { nodes: {}, rest: [] };
  const shownCode = codeTouched ? code : codeOf(name);

  const codeError = tried && !CODE.test(shownCode) ? t('segments.builder.codeInvalid') : isApiError(create.error, 409) ? t('segments.builder.codeTaken') : undefined;
  const nameError = tried && name.trim() === '' ? t('segments.builder.nameRequired') : undefined;

  const save = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (name.trim() === '' || !CODE.test(shownCode) || conditions === 0) return;
    create.mutate(
      { code: shownCode, name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), rule },
      { onSuccess: (r) => void navigate(`/segments/${r.segment.code}`) },
    );
  };

  return (
    <div className="page seg-page">
      <BackToList />
      <div className="page-head">
        <div>
          <h1>{t('segments.builder.title')}</h1>
          <p className="muted">{t('segments.builder.subtitle')}</p>
        </div>
      </div>

      <div className="seg-builder">
        <form className="seg-builder-main" onSubmit={save} noValidate id="segment-form">
          <section className="card">
            <div className="card-head">
              <h2>{t('segments.builder.who')}</h2>
              <span className="muted small">{t('segments.builder.whoNote')}</span>
            </div>
            <GroupEditor group={root} onChange={setRoot} errors={{ ...errors.nodes, ...saveErrors.nodes }} />
          </section>
          <section className="card">
            <div className="card-head">
              <h2>{t('segments.builder.saveTitle')}</h2>
            </div>
            <div className="seg-save-grid">
              <Field label={t('segments.builder.name')} error={nameError}>
                <input name="name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder={t('segments.builder.namePlaceholder')} />
              </Field>
              <Field label={t('segments.builder.code')} hint={t('segments.builder.codeHint')} error={codeError}>
                <input
                  name="code"
                  className="mono"
                  value={shownCode}
                  maxLength={64}
                  onChange={(e) => {
                    setCodeTouched(true);
                    setCode(e.target.value);
                  }}
                  placeholder="bought_dresses_30d"
                />
              </Field>
              <Field label={t('segments.builder.description')}>
                <input name="description" value={description} maxLength={2000} onChange={(e) => setDescription(e.target.value)} />
              </Field>
            </div>
            {saveErrors.rest.length > 0 && !isApiError(create.error, 409) ? (
              <div className="form-error" role="alert">
                {saveErrors.rest.join('; ')}
              </div>
            ) : null}
            {create.isError && !isApiError(create.error) ? <ErrorState error={create.error} /> : null}
            <div className="seg-save-actions">
              <button type="submit" className="btn btn-primary" disabled={create.isPending || conditions === 0} data-testid="segment-save">
                {create.isPending ? t('segments.builder.saving') : t('segments.builder.save')}
              </button>
              <span className="muted small">{t('segments.builder.saveNote')}</span>
            </div>
          </section>
        </form>

        <aside className="seg-builder-side">
          <section className="card seg-live" data-testid="live-panel" data-state={fresh ? 'fresh' : 'pending'} aria-live="polite">
            <div className="card-head">
              <h2>{t('segments.builder.liveTitle')}</h2>
              {!fresh ? <span className="spinner seg-spinner" aria-label={t('common.loading')} /> : null}
            </div>
            {conditions === 0 ? (
              <p className="muted">{t('segments.builder.addOne')}</p>
            ) : live.isError && fresh ? (
              <div className="form-error" role="alert" data-testid="live-error">
                {errors.rest.length > 0 ? errors.rest.join('; ') : t('segments.builder.fixMarked')}
              </div>
            ) : live.data ? (
              <>
                <div className={fresh ? 'seg-live-count' : 'seg-live-count seg-stale'} data-testid="live-count">
                  {f.number(live.data.count)}
                </div>
                <div className="muted small">{t('segments.builder.liveNote', { at: f.dateTime(live.data.asOf) })}</div>
                <h3 className="seg-subhead">{t('segments.builder.sample')}</h3>
                <CustomerSample sample={live.data.sample} count={live.data.count} />
              </>
            ) : (
              <p className="muted">{t('common.loading')}</p>
            )}
          </section>
        </aside>
      </div>

      <StaticList />
    </div>
  );
}

/** A static segment from a file of customer ids or phones: all or nothing, refusals by line. */
function StaticList() {
  const { t } = useTranslation();
  const f = useFormat();
  const create = useCreateStatic();
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [of, setOf] = useState<'id' | 'phone'>('phone');
  const [content, setContent] = useState('');
  const [fileName, setFileName] = useState('');
  const issues = isApiError(create.error) ? (create.error.body.details?.issues ?? []) : [];
  const lineIssues = issues.filter((i) => i.path.startsWith('line '));
  const otherIssues = issues.filter((i) => !i.path.startsWith('line '));
  const lines = content.split(/\r?\n/).filter((l) => l.trim() !== '').length;

  return (
    <section className="card" data-testid="static-list">
      <div className="card-head">
        <h2>{t('segments.static.title')}</h2>
        <span className="muted small">{t('segments.static.note')}</span>
      </div>
      <form
        className="seg-static-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ code: code.trim(), name: name.trim(), of, content });
        }}
      >
        <div className="seg-save-grid">
          <Field label={t('segments.builder.name')} error={otherIssues.find((i) => i.path === 'name')?.message}>
            <input name="staticName" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('segments.builder.code')} hint={t('segments.builder.codeHint')} error={otherIssues.find((i) => i.path === 'code')?.message ?? (isApiError(create.error, 409) ? t('segments.builder.codeTaken') : undefined)}>
            <input name="staticCode" className="mono" value={code} onChange={(e) => setCode(e.target.value)} placeholder="vip_event_guests" />
          </Field>
          <Field label={t('segments.static.ofLabel')}>
            <select name="of" value={of} onChange={(e) => setOf(e.target.value as 'id' | 'phone')}>
              <option value="phone">{t('segments.static.of.phone')}</option>
              <option value="id">{t('segments.static.of.id')}</option>
            </select>
          </Field>
        </div>
        <div className="seg-file-row">
          <TextFileButton
            label={t('segments.static.choose')}
            accept=".txt,.csv,text/plain,text/csv"
            testId="static-file"
            onText={(name, text) => {
              setFileName(name);
              setContent(text);
            }}
          />
          <span className="muted small">{fileName ? t('segments.static.file', { name: fileName, lines: f.number(lines) }) : t('segments.static.orPaste')}</span>
        </div>
        <textarea name="content" className="seg-textarea mono" rows={5} value={content} onChange={(e) => setContent(e.target.value)} placeholder={of === 'phone' ? '13800000001\n13800000002' : 'c0a8…'} />
        {lineIssues.length > 0 ? (
          <div className="form-error" role="alert" data-testid="static-errors">
            <strong>{t('segments.static.refused', { count: lineIssues.length, n: f.number(lineIssues.length) })}</strong>
            <ul className="seg-line-issues">
              {lineIssues.slice(0, 50).map((i) => (
                <li key={i.path}>{lineIssue(t, i.message)}</li>
              ))}
            </ul>
            {lineIssues.length > 50 ? <div>{t('segments.static.moreLines', { n: f.number(lineIssues.length - 50) })}</div> : null}
          </div>
        ) : create.isError && !isApiError(create.error, 409) && otherIssues.every((i) => i.path !== 'name' && i.path !== 'code') ? (
          <div className="form-error" role="alert">
            {create.error.message}
          </div>
        ) : null}
        {create.data ? (
          <div className="notice seg-notice-ok" role="status" data-testid="static-created">
            {t('segments.static.created', { matched: f.number(create.data.matched), lines: f.number(create.data.lines), duplicates: f.number(create.data.duplicates) })}{' '}
            <Link to={`/segments/${create.data.segment.code}`}>{t('segments.static.open')}</Link>
          </div>
        ) : null}
        <div className="seg-save-actions">
          <button type="submit" className="btn btn-primary" disabled={create.isPending || content.trim() === ''} data-testid="static-save">
            {create.isPending ? t('segments.builder.saving') : t('segments.static.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
