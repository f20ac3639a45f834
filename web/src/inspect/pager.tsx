// Paging by cursor for the inspect and audit lists: the cursors of the
// pages before this one, reset when the filters change.

import { useState } from "preact/hooks";
import { t } from "../i18n";

export function useCursors(filterKey: string): {
  cursor: string | undefined;
  page: number;
  back: () => void;
  forward: (next: string) => void;
} {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: filterKey,
    cursors: [undefined],
  });
  const cursors = state.key === filterKey ? state.cursors : [undefined];
  if (state.key !== filterKey) setState({ key: filterKey, cursors });
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    back: () => setState((s) => ({ key: s.key, cursors: s.cursors.slice(0, -1) })),
    forward: (next) => setState((s) => ({ key: s.key, cursors: [...s.cursors, next] })),
  };
}

export function Pager(props: { pager: ReturnType<typeof useCursors>; next: string | undefined }) {
  const { pager, next } = props;
  return (
    <nav class="pager" aria-label={t("list.pages")}>
      <button type="button" disabled={pager.page <= 1} onClick={pager.back}>
        {t("list.previous")}
      </button>
      <span>{t("list.page", { page: pager.page })}</span>
      <button type="button" disabled={!next} onClick={() => next && pager.forward(next)}>
        {t("list.next")}
      </button>
    </nav>
  );
}
