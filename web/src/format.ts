// Dates, times and numbers in the chosen locale, through Intl. Decimal
// amounts arrive as strings and are formatted digit by digit: they never
// pass through binary floating point.

import { locale } from "./i18n";

export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A calendar date (`YYYY-MM-DD`), shown as that same day in every time zone. */
export function calendarDate(ymd: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!match) return ymd;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A decimal string in the locale's notation: the integer part grouped by
 * Intl (as a BigInt, exact at any size), the locale's decimal separator,
 * the fraction digits exactly as given. Anything that is not a plain
 * decimal is shown unchanged.
 */
export function decimal(value: string): string {
  const match = DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = "", integer = "0", fraction] = match;
  const format = new Intl.NumberFormat(locale(), { useGrouping: true });
  const grouped = format.format(BigInt(integer));
  const separator = format.formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
  return `${sign === "-" ? "−" : ""}${grouped}${fraction === undefined ? "" : separator + fraction}`;
}

/** A money amount: the decimal with its ISO 4217 currency code. */
export function money(value: string, currency: string): string {
  return `${decimal(value)} ${currency}`;
}
