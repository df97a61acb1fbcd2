import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useEraseCustomer, useExportCustomer, type ErasureResult } from '../api/security.api';
import { useFormat } from '../format/format';
import { Dialog, Field } from './settings/dialog';
import { apiProblem } from './settings/forms';

/**
 * A customer's privacy requests on the 360 page (privacy:admin): export everything about them as one JSON file
 * (GET /customers/:id/export) and erase their personal data (POST /customers/:id/erase), after typing the reason and
 * the last characters of their id.
 */
export function CustomerPrivacyActions({ customerId, erased }: { customerId: string; erased: boolean }) {
  const { t } = useTranslation();
  const exporter = useExportCustomer(customerId);
  const [erasing, setErasing] = useState(false);
  return (
    <div className="customer-privacy" style={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-end', gap: 6, marginLeft: 'auto' }}>
      <div style={{ display: 'flex', gap: 8 }}>
        <button type="button" className="btn btn-small" disabled={exporter.isPending} onClick={() => exporter.mutate()}>
          {t('security.privacy.export')}
        </button>
        {erased ? null : (
          <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setErasing(true)}>
            {t('security.privacy.erase')}
          </button>
        )}
      </div>
      {exporter.isSuccess ? (
        <span className="muted small" role="status">
          {t('security.privacy.exported', { file: `customer-${exporter.data}.json` })}
        </span>
      ) : exporter.error ? (
        <span className="field-error" role="alert">
          {apiProblem(exporter.error, {}, { network: t('errors.network') })}
        </span>
      ) : null}
      {erasing ? <EraseDialog customerId={customerId} onClose={() => setErasing(false)} /> : null}
    </div>
  );
}

/** The characters a person types to confirm: the end of the id, enough to mean this customer. */
const confirmTail = (id: string) => id.replace(/-/g, '').slice(-6);

function EraseDialog({ customerId, onClose }: { customerId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const erase = useEraseCustomer(customerId);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [tried, setTried] = useState(false);
  const tail = confirmTail(customerId);
  const reasonOk = reason.trim().length > 0 && reason.trim().length <= 500;
  const typedOk = typed.trim().toLowerCase() === tail;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (reasonOk && typedOk) erase.mutate(reason.trim());
  };
  const close = () => {
    erase.reset();
    onClose();
  };
  if (erase.data) return <ErasedDialog result={erase.data} onClose={close} />;
  return (
    <Dialog
      title={t('security.privacy.eraseTitle')}
      onClose={close}
      footer={
        <>
          <button type="button" className="btn" onClick={close}>
            {t('settings.common.cancel')}
          </button>
          <button type="submit" form="erase-form" className="btn btn-danger" disabled={erase.isPending}>
            {t('security.privacy.eraseSubmit')}
          </button>
        </>
      }
    >
      <form id="erase-form" className="settings-form" onSubmit={submit} noValidate>
        <p>{t('security.privacy.eraseBody')}</p>
        <Field label={t('security.privacy.reason')} hint={t('security.privacy.reasonHint')} error={tried && !reasonOk ? t('security.privacy.reasonRule') : undefined}>
          <textarea name="reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        </Field>
        <Field
          label={t('security.privacy.typeId', { tail })}
          hint={t('security.privacy.typeIdHint', { id: customerId })}
          error={tried && !typedOk ? t('security.privacy.typeIdRule', { tail }) : undefined}
        >
          <input name="confirm" autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} />
        </Field>
        {erase.error ? (
          <div className="form-error" role="alert">
            {apiProblem(erase.error, { 'customers.already_erased': t('security.privacy.alreadyErased') }, { network: t('errors.network') })}
          </div>
        ) : null}
      </form>
    </Dialog>
  );
}

/** What the erasure scrubbed, module by module. */
function ErasedDialog({ result, onClose }: { result: ErasureResult; onClose: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  // The parts that held something about the person; the others (0 rows) say nothing.
  const rows = Object.entries(result.scrubbed)
    .flatMap(([module, parts]) => Object.entries(parts).map(([part, n]) => ({ module, part, n })))
    .filter((r) => r.n > 0);
  return (
    <Dialog
      title={t('security.privacy.erasedTitle')}
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {t('settings.common.done')}
        </button>
      }
    >
      <p data-testid="erase-result">{t('security.privacy.erasedAt', { at: f.dateTime(result.erasedAt) })}</p>
      <div className="table-wrap">
        <table className="table table-compact">
          <thead>
            <tr>
              <th>{t('security.privacy.module')}</th>
              <th>{t('security.privacy.part')}</th>
              <th className="num">{t('security.privacy.rows')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.module}.${r.part}`}>
                <td>{t(`security.privacy.modules.${r.module}`, { defaultValue: r.module })}</td>
                <td className="mono small">{r.part}</td>
                <td className="num">{f.number(r.n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Dialog>
  );
}
