import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

/**
 * Each area of the console keeps its text in its own files, `./en/<area>.json` and
 * `./zh-CN/<area>.json`, under top-level keys of its own (`dashboard.*`, `imports.*`, …); they
 * are merged with the shared `en.json` / `zh-CN.json` into one namespace.
 */
const areas = import.meta.glob<Record<string, unknown>>('./*/*.json', { eager: true, import: 'default' });
function merged(lang: string, core: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...core };
  for (const [file, tree] of Object.entries(areas)) if (file.startsWith(`./${lang}/`)) Object.assign(out, tree);
  return out;
}

export const LANGUAGES = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'kemai.lang';

/** The person's last choice, else the browser's preference: any Chinese variant reads zh-CN. */
export function detectLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'zh-CN' || saved === 'en') return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(STORAGE_KEY, lang);
  void i18n.changeLanguage(lang);
}

i18n.on('languageChanged', (lang) => {
  document.documentElement.lang = lang;
});

await i18n.use(initReactI18next).init({
  resources: { en: { translation: merged('en', en) }, 'zh-CN': { translation: merged('zh-CN', zhCN) } },
  lng: detectLanguage(),
  fallbackLng: 'en',
  supportedLngs: ['zh-CN', 'en'],
  interpolation: { escapeValue: false },
});

export { i18n };
