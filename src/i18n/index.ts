// Message catalogs: t(key, params) in the request's language; Japanese is the default.
import { en } from './en.js';
import { ja } from './ja.js';

export type MessageKey = keyof typeof ja;
export type Catalog = Record<MessageKey, string>;
export type Lang = 'ja' | 'en';
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const catalogs: Record<Lang, Catalog> = { ja, en };

export function translator(lang: Lang): Translate {
  const catalog = catalogs[lang];
  return (key, params) => {
    const text = catalog[key];
    return params ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : text;
  };
}
