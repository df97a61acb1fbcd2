import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useJourneyAction, type Journey } from '../../api/journeys.api';
import { Dialog } from '../settings/dialog';

/** Publish the latest version: new entrants follow it; optionally people waiting in the running version move to it. */
export function PublishDialog({ journey, onClose, onPublished, before }: { journey: Pick<Journey, 'id' | 'name' | 'status'>; onClose: () => void; onPublished?: () => void; before?: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const action = useJourneyAction();
  const [migrate, setMigrate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = journey.status === 'active' || journey.status === 'paused';
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      if (before) await before();
      await action.mutateAsync({ id: journey.id, action: 'publish', body: { migrate } });
      onPublished?.();
      onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('journeys.publish.title', { name: journey.name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('journeys.common.cancel')}
          </button>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void go()} data-testid="publish-confirm">
            {t('journeys.publish.confirm')}
          </button>
        </>
      }
    >
      <p>{t('journeys.publish.body')}</p>
      {running ? (
        <label className="jr-check">
          <input type="checkbox" name="migrate" checked={migrate} onChange={(e) => setMigrate(e.target.checked)} />
          <span>
            <strong>{t('journeys.publish.migrate')}</strong>
            <small className="muted">{t('journeys.publish.migrateHint')}</small>
          </span>
        </label>
      ) : null}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </Dialog>
  );
}
