// How a risk score is shown: the score, its band in words, and the
// factor behind it in plain words.

import { isMessageKey, t } from "../i18n";
import type { Band, Reason } from "./types";

export function Score(props: { score: number; band: Band }) {
  return (
    <span class={`risk risk-${props.band}`}>
      {t("inspect.score", { score: props.score, band: t(`inspect.band.${props.band}`) })}
    </span>
  );
}

/** A factor's name in the interface's language (the engine's own word if unknown). */
export function factorName(factor: string): string {
  const key = `inspect.factor.${factor}`;
  return isMessageKey(key) ? t(key) : factor;
}

export function Reasons(props: { reasons: Reason[] }) {
  if (props.reasons.length === 0) return <p class="muted">{t("inspect.noReasons")}</p>;
  return (
    <ul class="reasons">
      {props.reasons.map((r) => (
        <li key={r.factor}>
          <strong>{factorName(r.factor)}</strong>: {r.detail}{" "}
          <span class="muted">{t("inspect.points", { points: r.points })}</span>
        </li>
      ))}
    </ul>
  );
}
