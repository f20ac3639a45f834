// How the inspector came to a waybill (the risk list or a search hit),
// remembered for this tab so that `Record inspection` sends the right
// `selection`, `selection_probability` and `assessment_id`
// (POST /v1/inspect/shipments/{id}/inspections).

import type { StopSelection } from "./types";

export interface StopOrigin {
  selection: StopSelection;
  assessment_id?: string;
  selection_probability?: string;
}

const KEY = "ewaybill.inspect.origin";

function all(): Record<string, StopOrigin> {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "{}");
    return parsed && typeof parsed === "object" ? (parsed as Record<string, StopOrigin>) : {};
  } catch {
    return {};
  }
}

export function rememberOrigin(waybillId: string, origin: StopOrigin): void {
  const next = all();
  next[waybillId] = origin;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the stop is then recorded as `other`.
  }
}

/**
 * The origin last remembered for the waybill. A search hit's stop is
 * `other` with the hit's assessment (the server's rule: only the risk
 * list's items are `ranking` or `random`); without one, plain `other`.
 */
export function originOf(waybillId: string): StopOrigin {
  return all()[waybillId] ?? { selection: "other" };
}
