import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CreateStaffBody,
  NAME_MAX,
  ROLES,
  UpdateStaffBody,
  useCreateStaff,
  useResetPassword,
  useStaffList,
  useUpdateStaff,
  type StaffAccount,
} from '../../api/access.api';
import { useMe } from '../../auth/session';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { ConfirmDialog, Field, FormDialog, SecretDialog } from './dialog';
import { apiProblem, check, type FieldErrors } from './forms';
import { ListToolbar, SettingsFrame } from './settings-frame';

type Open =
  | { kind: 'create' }
  | { kind: 'edit'; staff: StaffAccount }
  | { kind: 'reset'; staff: StaffAccount }
  | { kind: 'disable'; staff: StaffAccount }
  | { kind: 'password'; staff: StaffAccount; password: string; fresh: boolean };

/** Staff accounts: who may sign in to the console, with which role. */
export function StaffSettingsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const me = useMe().data;
  const list = useListParams({ sort: 'username' });
  const staff = useStaffList(list.query);
  const update = useUpdateStaff();
  const [open, setOpen] = useState<Open | null>(null);
  const close = () => {
    update.reset();
    setOpen(null);
  };
  const enable = (s: StaffAccount) => update.mutate({ username: s.username, disabled: false });

  const columns: Array<Column<StaffAccount>> = [
    {
      header: t('settings.staff.person'),
      sort: 'username',
      cell: (s) => (
        <div className="settings-person">
          <span className="avatar" aria-hidden="true">
            {s.displayName.slice(0, 1).toUpperCase()}
          </span>
          <span>
            <span className="nowrap">
              <strong>{s.displayName}</strong>
              {s.id === me?.staff?.id ? <span className="badge">{t('settings.staff.you')}</span> : null}
            </span>
            <span className="mono muted small settings-sub">{s.username}</span>
          </span>
        </div>
      ),
    },
    {
      header: t('settings.staff.role'),
      sort: 'role',
      cell: (s) => (
        <span className="nowrap">
          {t(`roles.${s.role}`, { defaultValue: s.role })}
          {/* Where the store column gives way (tablet), the store shows under the role. */}
          {s.storeCode ? <span className="mono muted small settings-sub settings-narrow-only">{s.storeCode}</span> : null}
        </span>
      ),
    },
    {
      header: t('settings.staff.store'),
      className: 'settings-wide-only',
      cell: (s) => (s.storeCode ? <span className="mono">{s.storeCode}</span> : <span className="muted nowrap">{t('settings.staff.allStores')}</span>),
    },
    {
      header: t('settings.staff.status'),
      cell: (s) =>
        s.disabled ? (
          <span className="badge badge-muted settings-badge">{t('settings.staff.disabled')}</span>
        ) : s.mustChangePassword ? (
          <span className="badge badge-warn settings-badge">{t('settings.staff.awaitingFirstSignIn')}</span>
        ) : (
          <span className="badge badge-ok settings-badge">{t('settings.staff.active')}</span>
        ),
    },
    { header: t('settings.staff.created'), sort: 'createdAt', className: 'settings-wide-only', cell: (s) => <span className="nowrap">{f.date(s.createdAt)}</span> },
    {
      header: <span className="sr-only">{t('settings.common.actions')}</span>,
      className: 'settings-row-actions',
      cell: (s) => (
        <>
          <button type="button" className="btn btn-small" onClick={() => setOpen({ kind: 'edit', staff: s })}>
            {t('settings.staff.edit')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setOpen({ kind: 'reset', staff: s })}>
            {t('settings.staff.resetPassword')}
          </button>
          {s.disabled ? (
            <button type="button" className="btn btn-small" disabled={update.isPending} onClick={() => enable(s)}>
              {t('settings.staff.enable')}
            </button>
          ) : (
            <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setOpen({ kind: 'disable', staff: s })}>
              {t('settings.staff.disable')}
            </button>
          )}
        </>
      ),
    },
  ];

  return (
    <SettingsFrame
      title={t('settings.staff.title')}
      intro={t('settings.staff.intro')}
      create={{ label: t('settings.staff.create'), onClick: () => setOpen({ kind: 'create' }) }}
    >
      <ListToolbar
        list={list}
        placeholder={t('settings.staff.search')}
        filters={[
          { name: 'role', label: t('settings.staff.anyRole'), options: ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) })) },
          {
            name: 'status',
            label: t('settings.staff.anyStatus'),
            options: [
              { value: 'active', label: t('settings.staff.active') },
              { value: 'disabled', label: t('settings.staff.disabled') },
            ],
          },
        ]}
      />
      {update.error && !open ? (
        <div className="form-error" role="alert">
          {apiProblem(update.error, { 'access.last_admin': t('settings.staff.lastAdmin') }, { network: t('errors.network') })}
        </div>
      ) : null}
      <DataTable
        columns={columns}
        rows={staff.data?.items}
        total={staff.data?.total}
        state={staff}
        list={list}
        rowKey={(s) => s.id}
        caption={t('settings.staff.title')}
        empty={{ title: t('settings.staff.none'), hint: t('settings.staff.noneHint') }}
      />

      {open?.kind === 'create' ? (
        <StaffForm onClose={close} onCreated={(s, password) => setOpen({ kind: 'password', staff: s, password, fresh: true })} />
      ) : open?.kind === 'edit' ? (
        <StaffForm staff={open.staff} onClose={close} />
      ) : open?.kind === 'reset' ? (
        <ResetPassword staff={open.staff} onClose={close} onReset={(password) => setOpen({ kind: 'password', staff: open.staff, password, fresh: false })} />
      ) : open?.kind === 'disable' ? (
        <ConfirmDialog
          title={t('settings.staff.disableTitle', { name: open.staff.displayName })}
          confirm={t('settings.staff.disable')}
          danger
          busy={update.isPending}
          error={apiProblem(update.error, { 'access.last_admin': t('settings.staff.lastAdmin') }, { network: t('errors.network') })}
          onClose={close}
          onConfirm={() => update.mutate({ username: open.staff.username, disabled: true }, { onSuccess: close })}
        >
          <p>{t('settings.staff.disableBody')}</p>
        </ConfirmDialog>
      ) : open?.kind === 'password' ? (
        <SecretDialog
          title={open.fresh ? t('settings.staff.createdTitle', { name: open.staff.displayName }) : t('settings.staff.resetTitle', { name: open.staff.displayName })}
          onClose={close}
          label={t('settings.staff.oneTimePassword')}
          value={open.password}
          note={t('settings.staff.oneTimeNote')}
        >
          <dl className="facts settings-facts">
            <div>
              <dt>{t('settings.staff.username')}</dt>
              <dd className="mono">{open.staff.username}</dd>
            </div>
            <div>
              <dt>{t('settings.staff.role')}</dt>
              <dd>{t(`roles.${open.staff.role}`, { defaultValue: open.staff.role })}</dd>
            </div>
          </dl>
        </SecretDialog>
      ) : null}
    </SettingsFrame>
  );
}

/** Create a person (username, name, role, store) or change one; the API's schema checks the form. */
function StaffForm({ staff, onClose, onCreated }: { staff?: StaffAccount; onClose: () => void; onCreated?: (s: StaffAccount, password: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateStaff();
  const update = useUpdateStaff();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState(staff?.displayName ?? '');
  const [role, setRole] = useState(staff?.role ?? '');
  const [storeCode, setStoreCode] = useState(staff?.storeCode ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  // A field's problem goes away as soon as it is edited.
  const edit = (field: string, set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setErrors(({ [field]: _, ...rest }) => rest);
  };
  const words = (field: string) =>
    ({
      username: t('settings.staff.usernameRule'),
      displayName: t('settings.staff.displayNameRule', { max: NAME_MAX }),
      role: t('settings.staff.roleRequired'),
      storeCode: t('settings.staff.storeCodeRule'),
    })[field] ?? t('settings.staff.nothingChanged');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!staff) {
      const body = { username: username.trim(), displayName: displayName.trim() || undefined, role, storeCode: storeCode.trim() || undefined };
      const checked = check(CreateStaffBody, body, words);
      setErrors(checked.ok ? {} : checked.errors);
      if (checked.ok) create.mutate(checked.data, { onSuccess: (r) => onCreated?.(r.staff, r.password) });
      return;
    }
    const changes = {
      displayName: displayName.trim() !== staff.displayName ? displayName : undefined,
      role: role !== staff.role ? role : undefined,
      storeCode: (storeCode.trim() || null) !== staff.storeCode ? storeCode.trim() || null : undefined,
    };
    if (Object.values(changes).every((v) => v === undefined)) return onClose();
    const checked = check(UpdateStaffBody, changes, words);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) update.mutate({ username: staff.username, ...checked.data }, { onSuccess: onClose });
  };
  const failed = apiProblem(
    create.error ?? update.error,
    { 'access.username_taken': t('settings.staff.usernameTaken', { username }), 'access.last_admin': t('settings.staff.lastAdmin') },
    { network: t('errors.network') },
  );
  const busy = create.isPending || update.isPending;

  return (
    <FormDialog
      title={staff ? t('settings.staff.editTitle', { name: staff.displayName }) : t('settings.staff.createTitle')}
      formId="staff-form"
      submit={staff ? t('settings.common.save') : t('settings.staff.createSubmit')}
      busy={busy}
      onClose={onClose}
    >
      <form id="staff-form" className="settings-form" onSubmit={submit} noValidate>
        {staff ? null : (
          <Field label={t('settings.staff.username')} hint={t('settings.staff.usernameRule')} error={errors.username}>
            <input name="username" autoComplete="off" spellCheck={false} value={username} onChange={edit('username', setUsername)} autoFocus />
          </Field>
        )}
        <Field label={t('settings.staff.displayName')} hint={staff ? undefined : t('settings.staff.displayNameHint')} error={errors.displayName}>
          <input name="displayName" value={displayName} onChange={edit('displayName', setDisplayName)} autoFocus={!!staff} />
        </Field>
        <Field label={t('settings.staff.role')} hint={role ? t(`settings.roleSummary.${role}`) : undefined} error={errors.role}>
          <select name="role" value={role} onChange={edit('role', setRole)}>
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
        <Field label={t('settings.staff.storeOptional')} hint={t('settings.staff.storeHint')} error={errors.storeCode}>
          <input name="storeCode" autoComplete="off" value={storeCode} onChange={edit('storeCode', setStoreCode)} />
        </Field>
        {errors[''] ? <div className="form-error">{errors['']}</div> : null}
        {failed ? (
          <div className="form-error" role="alert">
            {failed}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}

function ResetPassword({ staff, onClose, onReset }: { staff: StaffAccount; onClose: () => void; onReset: (password: string) => void }) {
  const { t } = useTranslation();
  const reset = useResetPassword();
  return (
    <ConfirmDialog
      title={t('settings.staff.resetConfirmTitle', { name: staff.displayName })}
      confirm={t('settings.staff.resetPassword')}
      busy={reset.isPending}
      error={apiProblem(reset.error, {}, { network: t('errors.network') })}
      onClose={onClose}
      onConfirm={() => reset.mutate(staff.username, { onSuccess: (r) => onReset(r.password) })}
    >
      <p>{t('settings.staff.resetBody')}</p>
    </ConfirmDialog>
  );
}
