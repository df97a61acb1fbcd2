import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A modal on the browser's own <dialog>: focus moves in and back, Escape closes, the page behind
 * is inert. Rendered only while open.
 */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean | undefined;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id="dialog-title">{title}</h2>
      </div>
      <div className="dialog-body">{children}</div>
      {footer ? <div className="dialog-foot">{footer}</div> : null}
    </dialog>
  );
}

/** Cancel, then the dialog's own action. */
function CancelOr({ onClose, children }: { onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <button type="button" className="btn" onClick={onClose}>
        {t('settings.common.cancel')}
      </button>
      {children}
    </>
  );
}

/** Ask before something that cannot be taken back (revoking a key, disabling an account). */
export function ConfirmDialog({
  title,
  children,
  confirm,
  danger,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  title: ReactNode;
  children: ReactNode;
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <CancelOr onClose={onClose}>
          <button type="button" className={danger ? 'btn btn-danger' : 'btn btn-primary'} disabled={busy} onClick={onConfirm}>
            {confirm}
          </button>
        </CancelOr>
      }
    >
      {children}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </Dialog>
  );
}

/** A dialog around a form: Cancel and the form's submit button in the footer. */
export function FormDialog({
  title,
  formId,
  submit,
  busy,
  wide,
  onClose,
  children,
}: {
  title: ReactNode;
  formId: string;
  submit: string;
  busy: boolean;
  wide?: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide={wide}
      footer={
        <CancelOr onClose={onClose}>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy}>
            {submit}
          </button>
        </CancelOr>
      }
    >
      {children}
    </Dialog>
  );
}

/** The dialog that hands over a new password or key: what it is for, the secret once, and Done. */
export function SecretDialog({
  title,
  wide,
  onClose,
  children,
  ...secret
}: { title: ReactNode; wide?: boolean; onClose: () => void; children?: ReactNode } & Parameters<typeof OneTimeSecret>[0]) {
  const { t } = useTranslation();
  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide={wide}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {t('settings.common.done')}
        </button>
      }
    >
      {children}
      <OneTimeSecret {...secret} />
    </Dialog>
  );
}

/**
 * A password or key shown exactly once, with a copy button. The text is selectable as a fallback
 * where the clipboard is not available (plain http on another host).
 */
export function OneTimeSecret({ label, value, note }: { label: string; value: string; note: ReactNode }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="secret">
      <div className="secret-label">{label}</div>
      <div className="secret-row">
        <code className="secret-value" data-testid="one-time-secret">
          {value}
        </code>
        <button type="button" className="btn" onClick={() => void copy()}>
          {copied ? t('settings.common.copied') : t('settings.common.copy')}
        </button>
      </div>
      {copied === false ? <div className="muted small">{t('settings.common.copyFailed')}</div> : null}
      <div className="secret-note">{note}</div>
    </div>
  );
}

/** A labelled form field with its rule as a hint, or its problem once the form was checked. */
export function Field({ label, hint, error, children }: { label: string; hint?: string | undefined; error?: string | undefined; children: ReactNode }) {
  return (
    <label className={error ? 'field settings-field invalid' : 'field settings-field'}>
      <span>{label}</span>
      {children}
      {error ? <small className="field-error">{error}</small> : hint ? <small className="muted">{hint}</small> : null}
    </label>
  );
}
