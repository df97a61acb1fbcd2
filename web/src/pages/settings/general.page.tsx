import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth/session';
import { LANGUAGES, setLanguage } from '../../i18n/i18n';
import { SettingsFrame } from './settings-frame';

const SAMPLE: Record<string, string> = { 'zh-CN': '客户 · 订单 · 会员', en: 'Customers · Orders · Members' };

/** The person's own preferences: the console's language (kept in this browser) and who they are signed in as. */
export function GeneralSettingsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  return (
    <SettingsFrame title={t('settings.general.title')} intro={t('settings.general.intro')}>
      <fieldset className="settings-fieldset">
        <legend>{t('settings.general.language')}</legend>
        <div className="settings-choices">
          {LANGUAGES.map((l) => (
            <label key={l.code} className={i18n.language === l.code ? 'settings-choice selected' : 'settings-choice'}>
              <input type="radio" name="language" value={l.code} checked={i18n.language === l.code} onChange={() => setLanguage(l.code)} />
              <span>
                <strong lang={l.code}>{l.label}</strong>
                <span className="muted small" lang={l.code}>
                  {SAMPLE[l.code]}
                </span>
              </span>
            </label>
          ))}
        </div>
        <p className="muted small">{t('settings.general.languageNote')}</p>
      </fieldset>
      {me ? (
        <fieldset className="settings-fieldset">
          <legend>{t('settings.general.account')}</legend>
          <dl className="facts settings-facts">
            <div>
              <dt>{t('settings.staff.displayName')}</dt>
              <dd>{me.staff?.displayName ?? me.name}</dd>
            </div>
            <div>
              <dt>{t('settings.staff.username')}</dt>
              <dd className="mono">{me.staff?.username ?? me.name}</dd>
            </div>
            <div>
              <dt>{t('settings.staff.role')}</dt>
              <dd>{me.role ? t(`roles.${me.role}`, { defaultValue: me.role }) : t('roles.apikey')}</dd>
            </div>
            <div>
              <dt>{t('settings.general.store')}</dt>
              <dd>{me.staff?.storeCode ?? t('settings.general.allStores')}</dd>
            </div>
          </dl>
        </fieldset>
      ) : null}
    </SettingsFrame>
  );
}
