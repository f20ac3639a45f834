// One place that turns a failure into words for the person.

import { ApiProblem } from "./api";
import { t } from "./i18n";

export function describe(error: unknown): string {
  if (error instanceof ApiProblem) return t("error.api", { detail: error.problem.detail ?? error.problem.title });
  if (error instanceof TypeError) return t("error.network");
  return t("error.api", { detail: String(error) });
}
