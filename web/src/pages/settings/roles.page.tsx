import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { useRoles } from '../../api/access.api';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { groupScopes, scopeLabel } from './scopes';
import { SettingsFrame } from './settings-frame';

/** What each role may do, in words: roles across, permissions down, read from the API. */
export function RolesSettingsPage() {
  const { t } = useTranslation();
  const roles = useRoles();
  return (
    <SettingsFrame title={t('settings.roles.title')} intro={t('settings.roles.intro')}>
      {roles.isPending ? (
        <Loading />
      ) : roles.isError ? (
        <ErrorState error={roles.error} onRetry={() => void roles.refetch()} />
      ) : (
        <>
          <ul className="settings-role-list">
            {roles.data.roles.map((r) => (
              <li key={r.role}>
                <strong>{t(`roles.${r.role}`, { defaultValue: r.role })}</strong>
                <span className="muted">{t(`settings.roleSummary.${r.role}`, { defaultValue: '' })}</span>
              </li>
            ))}
          </ul>
          <div className="table-wrap">
            <table className="table settings-matrix">
              <caption className="sr-only">{t('settings.roles.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('settings.roles.permission')}</th>
                  {roles.data.roles.map((r) => (
                    <th key={r.role} scope="col" className="settings-matrix-role">
                      {t(`roles.${r.role}`, { defaultValue: r.role })}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groupScopes(roles.data.scopes).map((g) => (
                  <Fragment key={g.group}>
                    <tr className="settings-matrix-group">
                      <th scope="rowgroup" colSpan={roles.data.roles.length + 1}>
                        {t(`settings.scopeGroups.${g.group}`)}
                      </th>
                    </tr>
                    {g.scopes.map((s) => (
                      <tr key={s}>
                        <th scope="row">
                          {scopeLabel(t, s)}
                          <span className="mono muted small settings-code">{s}</span>
                        </th>
                        {roles.data.roles.map((r) => (
                          <td key={r.role} className="settings-matrix-cell">
                            {r.scopes.includes(s) ? (
                              <span className="settings-yes" role="img" aria-label={t('settings.roles.allowed')}>
                                <Icon name="check" size={16} />
                              </span>
                            ) : (
                              <span className="settings-no" aria-label={t('settings.roles.notAllowed')}>
                                —
                              </span>
                            )}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small footnote">{t('settings.roles.piiNote')}</p>
        </>
      )}
    </SettingsFrame>
  );
}
