import { en, type MessageKey } from './en.ts';
import { ptBR } from './pt-BR.ts';

export const locales = ['en', 'pt-BR'] as const;
export type Locale = (typeof locales)[number];
export const localeNames: Record<Locale, string> = { en: 'English', 'pt-BR': 'Português (Brasil)' };
export const localeCookie = 'pulse-locale';

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'pt-BR': ptBR };

export function isLocale(value: unknown): value is Locale {
  return (locales as readonly unknown[]).includes(value);
}

/** The user's choice if any, else the first Accept-Language that is Portuguese or English. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
  if (isLocale(cookie)) return cookie;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('pt')) return 'pt-BR';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/**
 * The language on screen. One module-level state: server rendering is synchronous, and the root
 * layout sets it from the request before anything below it renders.
 */
class I18n {
  locale = $state<Locale>('en');
}

export const i18n = new I18n();

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogues[i18n.locale][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Numbers as the reader writes them (1,240 / 1.240). */
export function formatNumber(n: number, options?: Intl.NumberFormatOptions): string {
  return n.toLocaleString(i18n.locale, options);
}

/** Remembers the choice in a cookie (so the server renders in it) and in localStorage. */
export function chooseLocale(locale: Locale): void {
  i18n.locale = locale;
  document.cookie = `${localeCookie}=${locale}; path=/; max-age=31536000; samesite=lax`;
  localStorage.setItem(localeCookie, locale);
  document.documentElement.lang = locale;
}
