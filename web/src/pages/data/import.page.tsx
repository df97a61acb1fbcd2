import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import {
  IMPORT_KINDS,
  uploadFile,
  useImportKinds,
  useImportPreview,
  useImports,
  useImportStatus,
  useStartImport,
  type FieldRule,
  type ImportKind,
  type ImportStatus,
  type KindInfo,
  type PresetInfo,
  type UploadView,
} from '../../api/imports.api';
import { isApiError } from '../../api/api-client';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { ErrorState, Loading } from '../../components/states';
import { useFormat, type Format } from '../../format/format';

/** How one target field gets its value in the form: a column of the file, a constant, or the preset's rule. */
type Rule = { mode: 'none' } | { mode: 'column'; column: string } | { mode: 'const'; value: string } | { mode: 'preset'; rule: FieldRule };
type Rules = Record<string, Rule>;

const ENCODINGS = ['utf8', 'gb18030'] as const;
const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat'];

export function ImportPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const id = params.get('import') ?? undefined;
  const status = useImportStatus(id);
  const open = (next: string | undefined) => {
    const p = new URLSearchParams(params);
    if (next) p.set('import', next);
    else p.delete('import');
    setParams(p);
  };
  const editing = !id || status.data?.status === 'uploaded' || status.data?.status === 'failed';

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('imports.title')}</h1>
          <p className="muted">{t('imports.subtitle')}</p>
        </div>
        {id ? (
          <button type="button" className="btn" onClick={() => open(undefined)}>
            {t('imports.another')}
          </button>
        ) : null}
      </div>
      {!id ? (
        <UploadCard onUploaded={open} />
      ) : status.isPending ? (
        <Loading />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <>
          {status.data.status !== 'uploaded' ? <ProgressCard s={status.data} /> : null}
          {editing ? <MappingForm id={id} failed={status.data.status === 'failed'} /> : null}
        </>
      )}
      <RecentImports current={id} onOpen={open} />
    </div>
  );
}

function UploadCard({ onUploaded }: { onUploaded: (id: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<{ name: string; fraction: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setProgress({ name: file.name, fraction: 0 });
    try {
      const view = await uploadFile(file, (fraction) => setProgress({ name: file.name, fraction }));
      client.setQueryData(['imports', 'preview', view.id], view);
      void client.invalidateQueries({ queryKey: ['imports', 'list'] });
      onUploaded(view.id);
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void send(e.dataTransfer.files[0]);
  };

  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('imports.step1')}</h2>
      </div>
      <label
        className={over ? 'dropzone dropzone-over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <input
          ref={input}
          type="file"
          name="file"
          accept=".csv,.tsv,.txt,.ndjson,.jsonl,.gz"
          className="sr-only"
          onChange={(e) => {
            void send(e.target.files?.[0]);
            e.target.value = '';
          }}
          disabled={!!progress}
        />
        <svg width="36" height="36" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
          <path d="M12 16V4M7 9l5-5 5 5M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" />
        </svg>
        {progress ? (
          <>
            <strong>{t('imports.uploading', { name: progress.name })}</strong>
            <div className="progress" aria-label={t('imports.uploadProgress')}>
              <div className="progress-fill" style={{ width: `${Math.round(progress.fraction * 100)}%` }} />
            </div>
            <span className="muted small">{f.percent(progress.fraction)}</span>
          </>
        ) : (
          <>
            <strong>{t('imports.drop')}</strong>
            <span className="btn btn-primary">{t('imports.choose')}</span>
            <span className="muted small">{t('imports.formats')}</span>
          </>
        )}
      </label>
      {error ? <div className="form-error import-error">{isApiError(error) ? error.message : t('errors.network')}</div> : null}
    </section>
  );
}

function initialRules(kind: ImportKind | null, view: UploadView, preset: PresetInfo | undefined): Rules {
  const rules: Rules = {};
  if (preset) {
    for (const [target, rule] of Object.entries(preset.mapping.fields)) {
      if (typeof rule === 'string') rules[target] = { mode: 'column', column: rule };
      else if (Object.keys(rule).length === 1 && rule.const !== undefined) rules[target] = { mode: 'const', value: String(rule.const) };
      else rules[target] = { mode: 'preset', rule };
    }
    return rules;
  }
  if (!kind) return rules;
  for (const [target, column] of Object.entries(view.suggestedByKind[kind] ?? {})) rules[target] = { mode: 'column', column };
  return rules;
}

function MappingForm({ id, failed }: { id: string; failed: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const preview = useImportPreview(id);
  const kinds = useImportKinds();
  const start = useStartImport(id);
  const [kind, setKind] = useState<ImportKind | null>(null);
  const [presetName, setPresetName] = useState<string>('');
  const [encoding, setEncoding] = useState<string>('utf8');
  const [rules, setRules] = useState<Rules>({});
  const [showAll, setShowAll] = useState(false);
  const view = preview.data;
  const presets = kinds.data?.presets ?? [];

  // Start from what the file looks like: its suggested kind, preset and encoding.
  useEffect(() => {
    if (!view || !kinds.data) return;
    const suggested = view.suggestedMapping;
    const preset = kinds.data.presets.find((p) => p.name === suggested.preset);
    setKind(suggested.kind);
    setPresetName(preset?.name ?? '');
    setEncoding(view.encoding);
    setRules(initialRules(suggested.kind, view, preset));
    start.reset();
  }, [view, kinds.data]);

  if (preview.isPending || kinds.isPending) return <Loading />;
  if (preview.isError) return <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />;
  if (kinds.isError) return <ErrorState error={kinds.error} onRetry={() => void kinds.refetch()} />;
  if (!view) return null;
  const info = kind ? kinds.data.kinds.find((k) => k.kind === kind) : undefined;
  const preset = presets.find((p) => p.name === presetName);

  const chooseKind = (next: ImportKind) => {
    setKind(next);
    setPresetName('');
    setRules(initialRules(next, view, undefined));
    start.reset();
  };
  const choosePreset = (name: string) => {
    const p = presets.find((x) => x.name === name);
    setPresetName(name);
    setRules(initialRules(kind, view, p));
    start.reset();
  };
  const setRule = (target: string, rule: Rule) => setRules((r) => ({ ...r, [target]: rule }));

  const missing = info ? info.fields.filter((fl) => fl.required && !hasValue(rules[fl.name])) : [];
  const submit = () => {
    if (!kind) return;
    const fields: Record<string, FieldRule> = {};
    for (const [target, rule] of Object.entries(rules)) {
      if (rule.mode === 'column') fields[target] = rule.column;
      else if (rule.mode === 'const' && rule.value.trim() !== '') fields[target] = { const: rule.value.trim() };
    }
    start.mutate({
      kind,
      ...(preset ? { preset: preset.name } : {}),
      mapping: { fields, skip: [], encoding, ...(view.format === 'csv' ? { delimiter: view.delimiter } : {}) },
    });
  };

  return (
    <>
      <section className="card">
        <div className="card-head">
          <h2>{t('imports.step2')}</h2>
          <span className="muted small import-file">
            <strong>{view.name}</strong> · {fileSize(view.size, f)} · {view.format.toUpperCase()}
            {view.compressed ? ' · gzip' : ''}
          </span>
        </div>
        {view.problems.length ? (
          <div className="notice import-notice" role="status">
            <strong>{t('imports.problems', { count: view.problems.length })}</strong>
            <ul className="problem-list">
              {view.problems.slice(0, 5).map((p) => (
                <li key={`${p.line}-${p.field}`}>
                  {t('imports.line', { line: f.number(p.line) })}: {p.reason.startsWith(`line ${p.line} has bytes`) ? t('imports.badBytes') : p.reason}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {view.encoding !== 'utf8' ? <div className="notice import-notice">{t('imports.detectedEncoding', { encoding: t(`imports.encodings.${view.encoding}`) })}</div> : null}
        <div className="import-options">
          <label className="field">
            <span>{t('imports.kind')}</span>
            <select name="kind" value={kind ?? ''} onChange={(e) => chooseKind(e.target.value as ImportKind)}>
              <option value="" disabled>
                {t('imports.chooseKind')}
              </option>
              {IMPORT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`imports.kinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('imports.preset')}</span>
            <select name="preset" value={presetName} onChange={(e) => choosePreset(e.target.value)} disabled={!kind}>
              <option value="">{t('imports.noPreset')}</option>
              {presets
                .filter((p) => p.kind === kind)
                .map((p) => (
                  <option key={p.name} value={p.name} title={p.description}>
                    {t(`imports.presets.${p.name}`, { defaultValue: p.name })}
                  </option>
                ))}
            </select>
          </label>
          <label className="field">
            <span>{t('imports.encoding')}</span>
            <select name="encoding" value={encoding} onChange={(e) => setEncoding(e.target.value)}>
              {ENCODINGS.map((e) => (
                <option key={e} value={e}>
                  {t(`imports.encodings.${e}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {info ? (
          <FieldTable info={info} view={view} rules={rules} setRule={setRule} showAll={showAll} />
        ) : (
          <p className="muted">{t('imports.kindFirst')}</p>
        )}
        {info && info.fields.length > visibleFields(info, rules, false).length ? (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setShowAll(!showAll)}>
            {showAll ? t('imports.fewerFields') : t('imports.allFields', { count: info.fields.length })}
          </button>
        ) : null}
      </section>

      {info ? <MappedPreview info={info} view={view} rules={rules} /> : null}

      {info ? (
        <section className="card import-start">
          <div>
            {missing.length ? (
              <span className="muted">{t('imports.stillMissing', { fields: missing.map((m) => fieldLabel(t, kind!, m.name)).join(t('imports.listSep')) })}</span>
            ) : (
              <span className="muted">{t('imports.ready', { kind: t(`imports.kinds.${kind}`) })}</span>
            )}
            {start.isError ? (
              <div className="form-error import-error" role="alert">
                {start.error.message}
              </div>
            ) : null}
          </div>
          <button type="button" className="btn btn-primary" onClick={submit} disabled={missing.length > 0 || start.isPending}>
            {failed ? t('imports.startAgain') : t('imports.start')}
          </button>
        </section>
      ) : null}
    </>
  );
}

function hasValue(rule: Rule | undefined): boolean {
  return !!rule && (rule.mode === 'column' || rule.mode === 'preset' || (rule.mode === 'const' && rule.value.trim() !== ''));
}

/** Required fields, then those with a value; every field when asked. */
function visibleFields(info: KindInfo, rules: Rules, all: boolean) {
  return info.fields.filter((fl) => all || fl.required || hasValue(rules[fl.name]));
}

type T = ReturnType<typeof useTranslation>['t'];

/** "顾客 · 手机号" for customer.phone; a customers file's `name` is a person's name. */
function fieldLabel(t: T, kind: ImportKind, target: string): string {
  const parts = target.split('.');
  const last = parts.at(-1)!;
  const person = (kind === 'customers' && target === 'name') || target === 'customer.name';
  const name = t(`imports.fields.${person ? 'personName' : last}`, { defaultValue: last });
  if (parts.length === 1) return name;
  const group = t(`imports.groups.${parts[0]}`, { defaultValue: parts[0] });
  // Attributes and properties take any name: show it as the file has it.
  return `${group} · ${['attributes', 'properties'].includes(parts[0]!) ? parts.slice(1).join('.') : name}`;
}

function FieldTable({
  info,
  view,
  rules,
  setRule,
  showAll,
}: {
  info: KindInfo;
  view: UploadView;
  rules: Rules;
  setRule: (target: string, rule: Rule) => void;
  showAll: boolean;
}) {
  const { t } = useTranslation();
  const first = view.preview[0];
  const fields = visibleFields(info, rules, showAll);
  const sample = (rule: Rule | undefined) => (rule && first ? valueOf(rule, first.values, view.header) : '');
  return (
    <div className="table-wrap">
      <table className="table mapping-table">
        <thead>
          <tr>
            <th>{t('imports.field')}</th>
            <th>{t('imports.source')}</th>
            <th className="hide-narrow">{t('imports.sample')}</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((fl) => {
            const rule = rules[fl.name];
            const value = rule?.mode === 'column' ? `col:${rule.column}` : rule?.mode === 'const' ? 'const' : rule?.mode === 'preset' ? 'preset' : '';
            return (
              <tr key={fl.name} data-field={fl.name}>
                <td>
                  <div className="field-name">
                    {fieldLabel(t, info.kind, fl.name)}
                    {fl.required ? <span className="badge badge-warn">{t('imports.required')}</span> : null}
                  </div>
                  <div className="mono muted small">{fl.name}</div>
                </td>
                <td>
                  <div className="source-cell">
                    <select
                      aria-label={t('imports.sourceOf', { field: fl.name })}
                      value={value}
                      onChange={(e) => {
                        const v = e.target.value;
                        if (v === '') setRule(fl.name, { mode: 'none' });
                        else if (v === 'const') setRule(fl.name, { mode: 'const', value: '' });
                        else if (v.startsWith('col:')) setRule(fl.name, { mode: 'column', column: v.slice(4) });
                      }}
                    >
                      <option value="">{t('imports.notImported')}</option>
                      {rule?.mode === 'preset' ? <option value="preset">{t('imports.presetRule')}</option> : null}
                      <optgroup label={t('imports.columns')}>
                        {view.header.map((h) => (
                          <option key={h} value={`col:${h}`}>
                            {h}
                          </option>
                        ))}
                      </optgroup>
                      <option value="const">{t('imports.constant')}</option>
                    </select>
                    {rule?.mode === 'const' ? (
                      <input
                        className="const-input"
                        aria-label={t('imports.constantOf', { field: fl.name })}
                        value={rule.value}
                        list={fl.name === 'channel' ? 'import-channels' : undefined}
                        placeholder={fl.name === 'channel' ? 'pos' : ''}
                        onChange={(e) => setRule(fl.name, { mode: 'const', value: e.target.value })}
                      />
                    ) : null}
                  </div>
                </td>
                <td className="hide-narrow sample-cell">{sample(rule) || <span className="muted">—</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <datalist id="import-channels">
        {CHANNELS.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
    </div>
  );
}

/** A field's value for one row as the import will see it (matches and signs applied; dates as written). */
function valueOf(rule: Rule, values: string[], header: string[]): string {
  const col = (c: string) => values[header.indexOf(c)] ?? '';
  if (rule.mode === 'none') return '';
  if (rule.mode === 'column') return col(rule.column);
  if (rule.mode === 'const') return rule.value;
  const r = rule.rule;
  if (typeof r === 'string') return col(r);
  if (r.const !== undefined) return String(r.const);
  let v = r.column ? col(String(r.column)) : r.sum ? r.sum.map(col).join(' + ') : '';
  for (const [re, out] of Object.entries((r.match ?? {}) as Record<string, unknown>)) {
    if (new RegExp(re).test(v)) {
      v = String(out);
      break;
    }
  }
  return r.abs === true ? v.replace(/^-/, '') : v;
}

function MappedPreview({ info, view, rules }: { info: KindInfo; view: UploadView; rules: Rules }) {
  const { t } = useTranslation();
  const targets = info.fields.map((fl) => fl.name).filter((n) => hasValue(rules[n]));
  const extra = Object.keys(rules).filter((n) => !targets.includes(n) && hasValue(rules[n]));
  const cols = [...targets, ...extra];
  if (!cols.length) return null;
  const cell = (target: string, values: string[]) => valueOf(rules[target]!, values, view.header);
  const bad = new Set(view.problems.map((p) => p.line));
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('imports.step3')}</h2>
        <span className="muted small">{t('imports.previewNote', { count: Math.min(10, view.preview.length) })}</span>
      </div>
      <div className="table-wrap">
        <table className="table preview-table">
          <thead>
            <tr>
              <th className="num">{t('imports.lineHead')}</th>
              {cols.map((c) => (
                <th key={c}>{fieldLabel(t, info.kind, c)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.preview.slice(0, 10).map((r) => (
              <tr key={r.line} className={bad.has(r.line) ? 'row-bad' : undefined}>
                <td className="num muted">{r.line}</td>
                {cols.map((c) => (
                  <td key={c}>{cell(c, r.values) || <span className="muted">—</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ProgressCard({ s }: { s: ImportStatus }) {
  const { t } = useTranslation();
  const f = useFormat();
  const running = s.status === 'running';
  const phase = s.status === 'completed' ? 'done' : s.status === 'failed' ? 'failed' : s.phase === 'write' ? 'write' : 'read';
  return (
    <section className="card import-progress" aria-live="polite" data-status={s.status}>
      <div className="card-head">
        <h2>
          {s.kind ? t(`imports.kinds.${s.kind}`) : ''} · {s.name}
        </h2>
        <span className={`badge ${s.status === 'completed' ? 'badge-ok' : s.status === 'failed' ? 'badge-danger' : 'badge-muted'}`}>{t(`imports.status.${s.status}`)}</span>
      </div>
      <div className="progress-line">
        <span className="progress-phase">{t(`imports.phase.${phase}`)}</span>
        <span className="muted small">
          {running
            ? t('imports.speed', { rows: f.number(s.rows.read), speed: f.number(s.rowsPerSecond ?? 0) })
            : s.seconds !== null
              ? t('imports.took', { seconds: f.number(Math.round(s.seconds * 10) / 10), speed: f.number(s.rowsPerSecond ?? 0) })
              : ''}
        </span>
      </div>
      <div className={`progress progress-lg${s.status === 'failed' ? ' progress-failed' : ''}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(s.fraction * 100)}>
        <div className="progress-fill" style={{ width: `${Math.round(s.fraction * 100)}%` }} />
      </div>
      {s.error ? (
        <div className="form-error import-error" role="alert">
          {s.error}
        </div>
      ) : null}
      <div className="kpis import-kpis">
        <Figure label={t('imports.rowsRead')} value={f.number(s.rows.read)} />
        <Figure label={t('imports.rowsImported')} value={f.number(s.rows.imported)} tone="ok" />
        <Figure label={t('imports.rowsSkipped')} value={f.number(s.rows.skipped)} />
        <Figure label={t('imports.rowsFailed')} value={f.number(s.rows.failed)} tone={s.rows.failed > 0 ? 'bad' : undefined} />
        <Figure label={t('imports.created')} value={f.number(s.records.created)} />
        <Figure label={t('imports.updated')} value={f.number(s.records.updated)} />
        <Figure label={t('imports.unchanged')} value={f.number(s.records.unchanged)} />
      </div>
      {!running && s.status !== 'uploaded' ? (
        <div className="import-actions">
          {s.rows.failed > 0 ? (
            <>
              <span className="muted">{t('imports.reportHint', { count: s.rows.failed, formatted: f.number(s.rows.failed) })}</span>
              <a className="btn" href={`/api/v1/imports/${s.id}/errors.csv`} download>
                {t('imports.downloadReport')}
              </a>
            </>
          ) : s.status === 'completed' ? (
            <span className="muted">{t('imports.noErrors')}</span>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function Figure({ label, value, tone }: { label: string; value: string; tone?: 'ok' | 'bad' | undefined }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className={`kpi-value${tone === 'bad' ? ' negative' : tone === 'ok' ? ' positive' : ''}`}>{value}</div>
    </div>
  );
}

function fileSize(bytes: number, f: Format): string {
  if (bytes < 1024) return `${f.number(bytes)} B`;
  if (bytes < 1024 * 1024) return `${f.number(Math.round((bytes / 1024) * 10) / 10)} KB`;
  return `${f.number(Math.round((bytes / 1024 / 1024) * 10) / 10)} MB`;
}

function RecentImports({ current, onOpen }: { current: string | undefined; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ pageSize: 10 });
  const imports = useImports(`page=${list.page}&pageSize=${list.pageSize}`);
  const columns = useMemo<Array<Column<ImportStatus>>>(
    () => [
      {
        header: t('imports.file'),
        cell: (i) => (
          <button type="button" title={i.name} className={i.id === current ? 'link-button strong-link current' : 'link-button strong-link'} onClick={() => onOpen(i.id)}>
            {i.name}
          </button>
        ),
      },
      { header: t('imports.kind'), cell: (i) => (i.kind ? t(`imports.kinds.${i.kind}`) : '—') },
      {
        header: t('imports.statusHead'),
        cell: (i) => <span className={`badge ${i.status === 'completed' ? 'badge-ok' : i.status === 'failed' ? 'badge-danger' : 'badge-muted'}`}>{t(`imports.status.${i.status}`)}</span>,
      },
      { header: t('imports.rowsRead'), cell: (i) => f.number(i.rows.read), className: 'num' },
      { header: t('imports.rowsFailed'), cell: (i) => (i.rows.failed ? <span className="negative">{f.number(i.rows.failed)}</span> : '0'), className: 'num' },
      { header: t('imports.size'), cell: (i) => fileSize(i.size, f), className: 'num hide-tablet' },
      { header: t('imports.uploadedAt'), cell: (i) => f.dateTime(i.uploadedAt), className: 'nowrap', hideNarrow: true },
      { header: t('imports.uploadedBy'), cell: (i) => i.uploadedBy, className: 'hide-tablet' },
    ],
    [t, f, current, onOpen],
  );
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('imports.recent')}</h2>
      </div>
      <DataTable
        columns={columns}
        rows={imports.data?.items}
        total={imports.data?.total}
        state={imports}
        list={list}
        rowKey={(i) => i.id}
        empty={{ title: t('imports.noneYet'), hint: t('imports.noneYetHint') }}
        caption={t('imports.recent')}
      />
    </section>
  );
}
