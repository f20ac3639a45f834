// Loading data for a page: the pending, failed and loaded states, with the
// failure announced and a way to try again.

import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { describe } from "./errors";
import { t } from "./i18n";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "failed"; error: unknown }
  | { state: "ok"; value: T };

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [attempt, setAttempt] = useState(0);
  // What the result was loaded for: a result for other inputs is never shown,
  // not even for the one render before the effect starts the new load.
  const key = JSON.stringify([...deps, attempt]);
  const [result, setResult] = useState<{ key: string; loaded: Loaded<T> }>({ key, loaded: { state: "loading" } });
  useEffect(() => {
    let live = true;
    setResult({ key, loaded: { state: "loading" } });
    load().then(
      (value) => live && setResult({ key, loaded: { state: "ok", value } }),
      (error: unknown) => live && setResult({ key, loaded: { state: "failed", error } }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [result.key === key ? result.loaded : { state: "loading" }, retry];
}

export function Pending<T>(props: {
  loaded: Loaded<T>;
  retry: () => void;
  describeError?: (error: unknown) => string;
  children: (value: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === "loading") {
    return (
      <p role="status" class="muted">
        {t("common.loading")}
      </p>
    );
  }
  if (loaded.state === "failed") {
    return (
      <div role="alert" class="error">
        <p>{(props.describeError ?? describe)(loaded.error)}</p>
        <button type="button" onClick={props.retry}>
          {t("common.retry")}
        </button>
      </div>
    );
  }
  return <>{props.children(loaded.value)}</>;
}
