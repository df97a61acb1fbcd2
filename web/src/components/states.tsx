import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-client';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** An API error in words a person can act on, with the request id to quote to support. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const [title, message] = isApiError(error, 403)
    ? [t('errors.forbiddenTitle'), t('errors.forbidden')]
    : isApiError(error, 404)
      ? [t('errors.notFoundTitle'), t('errors.notFound')]
      : isApiError(error)
        ? [t('errors.title'), error.message]
        : [t('errors.title'), t('errors.network')];
  const requestId = isApiError(error) ? error.body.requestId : undefined;
  // Asking again does not change a refusal or a missing record.
  const retryable = !(isApiError(error) && error.status < 500);
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      <div>{message}</div>
      {requestId ? <div className="muted small">{t('errors.requestId', { id: requestId })}</div> : null}
      {onRetry && retryable ? (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}
