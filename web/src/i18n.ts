// Every word of the interface comes from a translation file; the language
// follows the browser (navigator.languages) until the person picks one.

import en from "./i18n/en.json";
import lvFile from "./i18n/lv.json";

export type MessageKey = keyof typeof en;
// Typed against the English file: a message missing in Latvian fails the build.
const lv: Record<MessageKey, string> = lvFile;

export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "lv", name: "Latviešu" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];

const MESSAGES: Record<Language, Record<MessageKey, string>> = { en, lv };

/** Intl locale of each language: Latvian formats use the decimal comma. */
const LOCALES: Record<Language, string> = { en: "en-GB", lv: "lv-LV" };

let current: Language = "en";

export function browserLanguage(preferred: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    const found = LANGUAGES.find((l) => l.code === base);
    if (found) return found.code;
  }
  return "en";
}

export function setLanguage(language: Language): void {
  current = language;
  document.documentElement.lang = language;
  document.title = t("app.title");
}

export function language(): Language {
  return current;
}

export function locale(): string {
  return LOCALES[current];
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** The message in the current language, `{name}` placeholders filled in. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[current][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}
