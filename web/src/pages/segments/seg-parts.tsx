import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isApiError } from '../../api/api-client';
import { Icon } from '../../components/icons';

/** Small pieces the segments pages share. */
export function Kpi({ label, value, note, testId, small }: { label: string; value: string; note?: string; testId?: string; small?: boolean }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className={small ? 'kpi-value seg-kpi-small' : 'kpi-value'} data-testid={testId}>
        {value}
      </div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

export function BackToList() {
  const { t } = useTranslation();
  return (
    <Link to="/segments" className="back-link">
      <Icon name="back" size={16} />
      {t('segments.list.title')}
    </Link>
  );
}

/** A run form (RFM, clustering): its fields, the run button with a note, and a refusal naming the fields. */
export function RunForm({
  fields,
  onSubmit,
  busy,
  label,
  busyLabel,
  note,
  testId,
  error,
}: {
  fields: ReactNode;
  onSubmit: () => void;
  busy: boolean;
  label: string;
  busyLabel: string;
  note: string;
  testId: string;
  error: unknown;
}) {
  const issues = isApiError(error) ? (error.body.details?.issues ?? []) : [];
  return (
    <section className="card">
      <form
        className="seg-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {fields}
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={testId}>
          {busy ? busyLabel : label}
        </button>
        <span className="muted small seg-form-note">{note}</span>
      </form>
      {error ? (
        <div className="form-error" role="alert">
          {issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : error instanceof Error ? error.message : String(error)}
        </div>
      ) : null}
    </section>
  );
}
