import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CreateApiKeyBody, NAME_MAX, ROLES, SCOPES, useApiKeyList, useCreateApiKey, useRevokeApiKey, type ApiKey } from '../../api/access.api';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { ConfirmDialog, Field, FormDialog, SecretDialog } from './dialog';
import { apiProblem, check, type FieldErrors } from './forms';
import { groupScopes, scopeLabel } from './scopes';
import { ListToolbar, SettingsFrame } from './settings-frame';
import { useRotateApiKey, type RotatedKey } from '../../api/security.api';

/** Enough of the key's visible part (its id) to tell keys apart and match one a system holds. */
const keyHint = (id: string) => {
  const hex = id.replace(/-/g, '');
  return `km_${hex.slice(0, 4)}…${hex.slice(-6)}`;
};

type Open =
  | { kind: 'create' }
  | { kind: 'revoke'; key: ApiKey }
  | { kind: 'created'; key: ApiKey; secret: string }
  | { kind: 'rotate'; key: ApiKey }
  | { kind: 'rotated'; result: RotatedKey };

/** How long the old key keeps working after a rotation, by default and at most (the API's bounds). */
const GRACE_DEFAULT = 24;
const GRACE_MAX = 168;

/** "3 minutes ago", "yesterday": how long ago a key was last used, in the reader's language. */
function useAgo() {
  const { i18n } = useTranslation();
  const rtf = new Intl.RelativeTimeFormat(i18n.language, { numeric: 'auto' });
  return (iso: string) => {
    const seconds = (Date.parse(iso) - Date.now()) / 1000;
    const steps: [Intl.RelativeTimeFormatUnit, number][] = [
      ['second', 60],
      ['minute', 60],
      ['hour', 24],
      ['day', 30],
      ['month', 12],
      ['year', Infinity],
    ];
    let v = seconds;
    for (const [unit, size] of steps) {
      if (Math.abs(v) < size) return unit === 'second' ? rtf.format(0, 'second') : rtf.format(Math.round(v), unit);
      v /= size;
    }
    return '';
  };
}

/** API keys for partner systems: made with a role or chosen scopes, shown once, revoked when no longer needed. */
export function ApiKeysSettingsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const ago = useAgo();
  const list = useListParams({ sort: '-createdAt' });
  const keys = useApiKeyList(list.query);
  const revoke = useRevokeApiKey();
  const rotate = useRotateApiKey();
  const [open, setOpen] = useState<Open | null>(null);
  const close = () => {
    revoke.reset();
    rotate.reset();
    setOpen(null);
  };

  const columns: Array<Column<ApiKey>> = [
    {
      header: t('settings.keys.name'),
      sort: 'name',
      cell: (k) => (
        <span>
          <strong className={k.revokedAt ? 'muted' : undefined}>{k.name}</strong>
          <span className="mono muted small settings-sub">{keyHint(k.id)}</span>
        </span>
      ),
    },
    {
      header: t('settings.keys.permissions'),
      cell: (k) =>
        k.role ? (
          <span>
            {t(`roles.${k.role}`, { defaultValue: k.role })}
            {k.storeCode ? <span className="mono"> · {k.storeCode}</span> : null}
            <span className="muted small settings-sub">{t('settings.keys.asRole')}</span>
          </span>
        ) : (
          <span>
            {t('settings.keys.customScopes', { count: k.scopes.length })}
            <span className="muted small settings-sub settings-clamp" title={k.scopes.map((s) => scopeLabel(t, s)).join('\n')}>
              {k.scopes.map((s) => scopeLabel(t, s)).join(t('settings.common.listSeparator'))}
            </span>
          </span>
        ),
    },
    {
      header: t('settings.keys.created'),
      sort: 'createdAt',
      className: 'settings-wide-only',
      cell: (k) => (
        <span>
          <span className="nowrap">{f.date(k.createdAt)}</span>
          {k.createdBy ? <span className="muted small settings-sub">{t('settings.keys.by', { name: k.createdBy })}</span> : null}
        </span>
      ),
    },
    {
      header: t('settings.keys.lastUsed'),
      sort: 'lastUsedAt',
      cell: (k) =>
        k.lastUsedAt ? (
          <span className="nowrap" title={f.dateTime(k.lastUsedAt)}>
            {Date.now() - Date.parse(k.lastUsedAt) < 60_000 ? t('settings.keys.justNow') : ago(k.lastUsedAt)}
          </span>
        ) : (
          <span className="muted nowrap">{t('settings.keys.neverUsed')}</span>
        ),
    },
    {
      header: t('settings.keys.status'),
      cell: (k) =>
        k.revokedAt ? (
          <span className="badge badge-muted settings-badge" title={f.dateTime(k.revokedAt)}>
            {t('settings.keys.revokedOn', { date: f.date(k.revokedAt) })}
          </span>
        ) : k.expiresAt ? (
          <span className="badge badge-warn settings-badge" title={f.dateTime(k.expiresAt)}>
            {t('security.rotate.expiresOn', { date: f.dateTime(k.expiresAt) })}
          </span>
        ) : (
          <span className="badge badge-ok settings-badge">{t('settings.keys.active')}</span>
        ),
    },
    {
      header: <span className="sr-only">{t('settings.common.actions')}</span>,
      className: 'settings-row-actions',
      cell: (k) =>
        k.revokedAt ? null : (
          <span className="nowrap">
            {k.expiresAt ? null : (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen({ kind: 'rotate', key: k })}>
                {t('security.rotate.button')}
              </button>
            )}
            <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setOpen({ kind: 'revoke', key: k })}>
              {t('settings.keys.revoke')}
            </button>
          </span>
        ),
    },
  ];

  return (
    <SettingsFrame
      title={t('settings.keys.title')}
      intro={t('settings.keys.intro')}
      create={{ label: t('settings.keys.create'), onClick: () => setOpen({ kind: 'create' }) }}
    >
      <ListToolbar
        list={list}
        placeholder={t('settings.keys.search')}
        filters={[
          {
            name: 'status',
            label: t('settings.keys.anyStatus'),
            options: [
              { value: 'active', label: t('settings.keys.active') },
              { value: 'revoked', label: t('settings.keys.revoked') },
            ],
          },
        ]}
      />
      <DataTable
        columns={columns}
        rows={keys.data?.items}
        total={keys.data?.total}
        state={keys}
        list={list}
        rowKey={(k) => k.id}
        caption={t('settings.keys.title')}
        empty={{ title: t('settings.keys.none'), hint: t('settings.keys.noneHint') }}
      />

      {open?.kind === 'create' ? (
        <CreateKey onClose={close} onCreated={(key, secret) => setOpen({ kind: 'created', key, secret })} />
      ) : open?.kind === 'revoke' ? (
        <ConfirmDialog
          title={t('settings.keys.revokeTitle', { name: open.key.name })}
          confirm={t('settings.keys.revoke')}
          danger
          busy={revoke.isPending}
          error={apiProblem(revoke.error, {}, { network: t('errors.network') })}
          onClose={close}
          onConfirm={() => revoke.mutate(open.key.id, { onSuccess: close })}
        >
          <p>{t('settings.keys.revokeBody')}</p>
        </ConfirmDialog>
      ) : open?.kind === 'rotate' ? (
        <RotateKey
          apiKey={open.key}
          busy={rotate.isPending}
          error={apiProblem(rotate.error, { 'access.api_key_rotated': t('security.rotate.alreadyRotated') }, { network: t('errors.network') })}
          onClose={close}
          onRotate={(graceHours) => rotate.mutate({ id: open.key.id, graceHours }, { onSuccess: (result) => setOpen({ kind: 'rotated', result }) })}
        />
      ) : open?.kind === 'rotated' ? (
        <SecretDialog
          title={t('security.rotate.doneTitle', { name: open.result.apiKey.name })}
          wide
          onClose={close}
          label={t('settings.keys.theKey')}
          value={open.result.key}
          note={
            <>
              {t('settings.keys.oneTimeNote')} <code className="mono">Authorization: Bearer …</code>
            </>
          }
        >
          <p data-testid="rotate-old-key">
            {open.result.previous.expiresAt
              ? t('security.rotate.oldUntil', { hint: keyHint(open.result.previous.id), at: f.dateTime(open.result.previous.expiresAt) })
              : t('security.rotate.oldNow', { hint: keyHint(open.result.previous.id) })}
          </p>
        </SecretDialog>
      ) : open?.kind === 'created' ? (
        <SecretDialog
          title={t('settings.keys.createdTitle', { name: open.key.name })}
          wide
          onClose={close}
          label={t('settings.keys.theKey')}
          value={open.secret}
          note={
            <>
              {t('settings.keys.oneTimeNote')} <code className="mono">Authorization: Bearer …</code>
            </>
          }
        >
          <dl className="facts settings-facts">
            <div>
              <dt>{t('settings.keys.permissions')}</dt>
              <dd>
                {open.key.role
                  ? t('settings.keys.roleNamed', { role: t(`roles.${open.key.role}`, { defaultValue: open.key.role }) })
                  : open.key.scopes.map((s) => scopeLabel(t, s)).join(t('settings.common.listSeparator'))}
              </dd>
            </div>
          </dl>
        </SecretDialog>
      ) : null}
    </SettingsFrame>
  );
}

function CreateKey({ onClose, onCreated }: { onClose: () => void; onCreated: (key: ApiKey, secret: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'role' | 'scopes'>('role');
  const [role, setRole] = useState('');
  const [storeCode, setStoreCode] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  // A guide's or store manager's key belongs to a store and sees only its customers (store scoping).
  const storeBound = mode === 'role' && (role === 'guide' || role === 'store_manager');
  const words = (field: string) =>
    ({
      name: t('settings.keys.nameRule', { max: NAME_MAX }),
      role: t('settings.keys.roleRequired'),
      storeCode: t('settings.keys.storeRequired'),
    })[field] ?? t('settings.keys.scopesRequired');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const store = storeCode.trim();
    const body =
      mode === 'role'
        ? { name, role: role || undefined, ...(storeBound && store ? { storeCode: store } : {}) }
        : { name, scopes: scopes.length ? scopes : undefined };
    const checked = check(CreateApiKeyBody, body, words);
    // With no role picked the schema names `scopes` (neither given); say what this mode needs.
    if (!checked.ok && mode === 'role' && !role) checked.errors = { ...checked.errors, role: words('role'), scopes: undefined };
    if (storeBound && !store) {
      setErrors({ ...(checked.ok ? {} : checked.errors), storeCode: words('storeCode') });
      return;
    }
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) create.mutate(checked.data, { onSuccess: (r) => onCreated(r.apiKey, r.key) });
  };
  const toggle = (s: string) => {
    setErrors(({ scopes: _, ...rest }) => rest);
    setScopes((v) => (v.includes(s) ? v.filter((x) => x !== s) : SCOPES.filter((x) => x === s || v.includes(x))));
  };

  return (
    <FormDialog title={t('settings.keys.createTitle')} formId="key-form" submit={t('settings.keys.createSubmit')} busy={create.isPending} wide onClose={onClose}>
      <form id="key-form" className="settings-form" onSubmit={submit} noValidate>
        <Field label={t('settings.keys.name')} hint={t('settings.keys.nameHint')} error={errors.name}>
          <input name="name" autoComplete="off" value={name} onChange={(e) => {
              setName(e.target.value);
              setErrors(({ name: _, ...rest }) => rest);
            }} autoFocus />
        </Field>
        <fieldset className="settings-fieldset settings-mode">
          <legend>{t('settings.keys.permissions')}</legend>
          <div className="segmented" role="radiogroup">
            {(['role', 'scopes'] as const).map((m) => (
              <button key={m} type="button" role="radio" aria-checked={mode === m} className={mode === m ? 'active' : undefined} onClick={() => {
                  setMode(m);
                  setErrors({});
                }}>
                {t(m === 'role' ? 'settings.keys.byRole' : 'settings.keys.byScopes')}
              </button>
            ))}
          </div>
        </fieldset>
        {mode === 'role' ? (
          <Field label={t('settings.staff.role')} hint={role ? t(`settings.roleSummary.${role}`) : t('settings.keys.roleHint')} error={errors.role}>
            <select name="role" value={role} onChange={(e) => {
                setRole(e.target.value);
                setErrors(({ role: _, ...rest }) => rest);
              }}>
              <option value="" disabled>
                {t('settings.staff.chooseRole')}
              </option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        {storeBound ? (
          <Field label={t('settings.staff.store')} hint={t('settings.keys.storeHint')} error={errors.storeCode}>
            <input name="storeCode" autoComplete="off" value={storeCode} onChange={(e) => {
                setStoreCode(e.target.value);
                setErrors(({ storeCode: _, ...rest }) => rest);
              }} />
          </Field>
        ) : null}
        {mode === 'role' ? null : (
          <div className={errors.scopes ? 'settings-scopes invalid' : 'settings-scopes'}>
            {groupScopes(SCOPES).map((g) => (
              <fieldset key={g.group} className="settings-scope-group">
                <legend>{t(`settings.scopeGroups.${g.group}`)}</legend>
                {g.scopes.map((s) => (
                  <label key={s} className="settings-check">
                    <input type="checkbox" name="scopes" value={s} checked={scopes.includes(s)} onChange={() => toggle(s)} />
                    <span>
                      {scopeLabel(t, s)}
                      <span className="mono muted small settings-code">{s}</span>
                    </span>
                  </label>
                ))}
              </fieldset>
            ))}
            {errors.scopes ? <small className="field-error">{errors.scopes}</small> : null}
          </div>
        )}
        {create.error ? (
          <div className="form-error" role="alert">
            {apiProblem(create.error, {}, { network: t('errors.network') })}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}

/** Rotation: a new key with the same name and permissions; the old one keeps working for the grace hours chosen here. */
function RotateKey({
  apiKey,
  busy,
  error,
  onClose,
  onRotate,
}: {
  apiKey: ApiKey;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  onRotate: (graceHours: number) => void;
}) {
  const { t } = useTranslation();
  const [grace, setGrace] = useState(String(GRACE_DEFAULT));
  const [invalid, setInvalid] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const hours = Number(grace);
    const ok = grace.trim() !== '' && Number.isFinite(hours) && hours >= 0 && hours <= GRACE_MAX;
    setInvalid(!ok);
    if (ok) onRotate(hours);
  };
  return (
    <FormDialog title={t('security.rotate.title', { name: apiKey.name })} formId="rotate-form" submit={t('security.rotate.submit')} busy={busy} onClose={onClose}>
      <form id="rotate-form" className="settings-form" onSubmit={submit} noValidate>
        <p>{t('security.rotate.body', { hint: keyHint(apiKey.id) })}</p>
        <Field
          label={t('security.rotate.graceHours')}
          hint={t('security.rotate.graceHint', { max: GRACE_MAX })}
          error={invalid ? t('security.rotate.graceRule', { max: GRACE_MAX }) : undefined}
        >
          <input
            name="graceHours"
            type="number"
            inputMode="numeric"
            min={0}
            max={GRACE_MAX}
            step="any"
            value={grace}
            onChange={(e) => {
              setGrace(e.target.value);
              setInvalid(false);
            }}
            autoFocus
          />
        </Field>
        {error ? (
          <div className="form-error" role="alert">
            {error}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
