// Units of measure: UN/ECE Recommendation 20 codes, the common ones by name.

import { t, type MessageKey } from "./i18n";

export const COMMON_UNITS = [
  "C62",
  "H87",
  "KGM",
  "GRM",
  "TNE",
  "LTR",
  "MLT",
  "MTQ",
  "MTK",
  "MTR",
  "SET",
  "PR",
  "KWH",
] as const;

export function unitName(code: string): string | undefined {
  const key = `form.unit.${code}`;
  return (COMMON_UNITS as readonly string[]).includes(code) ? t(key as MessageKey) : undefined;
}

/**
 * The Rec 20 code for what was typed: a code as is (upper-cased), or the
 * name of a common unit in the current language (`litre` -> `LTR`).
 */
export function unitCode(typed: string): string {
  const text = typed.trim();
  const byName = COMMON_UNITS.find((code) => unitName(code)?.toLowerCase() === text.toLowerCase());
  return byName ?? text.toUpperCase();
}
