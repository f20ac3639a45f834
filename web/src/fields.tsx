// Form fields shared by the new-waybill form and the act forms: a labelled
// input with its error next to it, numbers typed in the locale turned into
// the API's decimal strings, and the server's `errors[].path` mapped to the
// field that names it.

import type { ComponentChildren } from "preact";
import { ApiProblem } from "./api";
import { describe } from "./errors";
import { isMessageKey, language, t } from "./i18n";
import type { FieldError } from "./types";

/** Field problems by API path (`lines[1].quantity`), in words. */
export type Problems = Record<string, string>;

/** The element id of the field at an API path, within one form. */
export function fieldId(form: string, path: string): string {
  return `${form}-${path}`;
}

/** A path of a problem, relative to the act body (`act.body.` dropped). */
export function bodyPath(path: string): string {
  return path.replace(/^act\.body\.?/, "");
}

/** A server field problem in the person's language (the server's words when no translation exists). */
export function problemWords(error: FieldError): string {
  const key = `form.problem.${error.code}`;
  return isMessageKey(key) ? t(key) : error.message;
}

/**
 * Splits a failure into the problems of known fields and a summary: a
 * validation problem names its fields; anything else is the summary only.
 */
export function problemsOf(
  error: unknown,
  known: (path: string) => boolean,
  formPath: (bodyPath: string) => string = (path) => path,
): { fields: Problems; summary: string } {
  if (error instanceof ApiProblem && error.problem.errors?.length) {
    const fields: Problems = {};
    const elsewhere: string[] = [];
    for (const e of error.problem.errors) {
      const path = formPath(bodyPath(e.path));
      if (known(path) && !(path in fields)) fields[path] = problemWords(e);
      else elsewhere.push(`${e.path}: ${problemWords(e)}`);
    }
    const count = Object.keys(fields).length;
    const parts = [count ? t("form.problems", { count }) : "", ...elsewhere].filter(Boolean);
    return { fields, summary: parts.join(" ") };
  }
  return { fields: {}, summary: describe(error) };
}

/** The decimal separator of the current language. */
export function decimalSeparator(): string {
  return language() === "lv" ? "," : ".";
}

/** An API decimal string (`1234.5`) as the person would type it (`1234,5` in Latvian). */
export function typedDecimal(value: string): string {
  return value.replace(".", decimalSeparator());
}

const SPACES = /[\s\u00a0\u202f']/g;

/**
 * A number as typed in the current locale, as the API's decimal string, or
 * undefined if it is not one. Latvian: decimal comma (a point is read as the
 * decimal mark too), spaces group digits. English: decimal point, commas
 * only between groups of three digits. Never through floating point.
 */
export function parseDecimal(typed: string): string | undefined {
  let text = typed.replace(SPACES, "");
  if (language() === "lv") {
    text = text.replace(",", ".");
  } else if (text.includes(",")) {
    if (!/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) return undefined;
    text = text.replace(/,/g, "");
  }
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return text;
}

export function Field(props: {
  form: string;
  path: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  problems: Problems;
  type?: "text" | "date" | "datetime-local";
  hint?: string;
  list?: string;
  required?: boolean;
  inputMode?: "decimal" | "numeric" | "text";
  maxLength?: number;
  autoComplete?: string;
  onChange?: () => void;
  multiline?: boolean;
}) {
  const id = fieldId(props.form, props.path);
  const problem = props.problems[props.path];
  const describedBy = [props.hint ? `${id}-hint` : "", problem ? `${id}-error` : ""].filter(Boolean).join(" ");
  const common = {
    id,
    name: props.path,
    value: props.value,
    "aria-invalid": problem ? ("true" as const) : undefined,
    "aria-describedby": describedBy || undefined,
    required: props.required,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
    onChange: props.onChange,
  };
  return (
    <div class={`field${problem ? " invalid" : ""}`}>
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={2} maxLength={props.maxLength} />
      ) : (
        <input
          {...common}
          type={props.type ?? "text"}
          list={props.list}
          inputMode={props.inputMode}
          maxLength={props.maxLength}
          autoComplete={props.autoComplete ?? "off"}
        />
      )}
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {problem && (
        <p id={`${id}-error`} class="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}

/** The announced summary of a form's problems, or of its success. */
export function Summary(props: { text: string | undefined; tone: "error" | "ok" }) {
  return (
    <div aria-live="assertive" role={props.tone === "error" ? "alert" : "status"} class={props.text ? props.tone : ""}>
      {props.text}
    </div>
  );
}

/** Focuses the first field with a problem, after the render that shows it. */
export function focusFirst(form: string, paths: string[]): void {
  const first = paths[0];
  if (first === undefined) return;
  setTimeout(() => document.getElementById(fieldId(form, first))?.focus(), 0);
}

export function Group(props: { legend: string; children: ComponentChildren; class?: string }) {
  return (
    <fieldset class={props.class}>
      <legend>{props.legend}</legend>
      {props.children}
    </fieldset>
  );
}
