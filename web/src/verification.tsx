// The waybill page's verification and live updates (issue 11, item 11):
// the browser checks every act of the signed history itself (web/src/verify/)
// and shows per act `Signature valid` / `Signature INVALID`, `In the log` /
// `NOT in the log` and whether the chain holds; a failure is red and in
// words, never a tick. New acts arrive through the long-polled feed.

import { useEffect, useRef, useState } from "preact/hooks";
import { eventProof, events, feed, get, logKey } from "./api";
import { dateTime } from "./format";
import { t } from "./i18n";
import type { EventView, KeyView, Party } from "./types";
import { type ActVerdict, type NoteKey, parseNoteKey, verifyHistory } from "./verify";

/**
 * The log's key as this browser first saw it (trust on first use, as SSH
 * does): kept in `localStorage`, so a service that later serves another key
 * (a swapped key, a forked log under a new key) is caught instead of
 * trusted afresh.
 */
interface Pin {
  key: string;
  since: string;
}

const PIN = "ewaybill.logKey";

function pinned(): Pin | undefined {
  try {
    const pin = JSON.parse(localStorage.getItem(PIN) ?? "null") as Pin | null;
    return pin && typeof pin.key === "string" && typeof pin.since === "string" ? pin : undefined;
  } catch {
    return undefined;
  }
}

/** Set when the service's key is not the one this browser pinned. */
let keyChange: { pinned: Pin; served: string } | undefined;

/** The log's key, read once per page load: it does not change while the app runs. */
let logKeyOnce: Promise<NoteKey | undefined> | undefined;

function theLogKey(): Promise<NoteKey | undefined> {
  // The answer is the vkey and a newline.
  logKeyOnce ??= logKey().then(
    (text) => {
      const served = text.trim();
      const pin = pinned();
      if (!pin) {
        localStorage.setItem(PIN, JSON.stringify({ key: served, since: new Date().toISOString() }));
      } else if (pin.key !== served) {
        // Nothing is checked against a key this browser does not trust.
        keyChange = { pinned: pin, served };
        return undefined;
      }
      return parseNoteKey(served);
    },
    () => {
      logKeyOnce = undefined;
      return undefined;
    },
  );
  return logKeyOnce;
}

/** Pins the key the service now serves, after the person chose to trust it, and checks again. */
function trustServedKey() {
  if (!keyChange) return;
  localStorage.setItem(PIN, JSON.stringify({ key: keyChange.served, since: new Date().toISOString() }));
  location.reload();
}

/** Receipts already fetched, by event hash: an act's receipt need not be fetched twice. */
const receipts = new Map<string, string>();

async function receiptOf(id: string, position: number, event: EventView): Promise<string | undefined> {
  const known = receipts.get(event.hash);
  if (known !== undefined) return known;
  try {
    const text = await eventProof(id, position);
    receipts.set(event.hash, text);
    return text;
  } catch {
    return undefined;
  }
}

/** The verdicts for the chain, or undefined while the browser is still checking. */
export function useVerdicts(id: string, chain: EventView[], keys: KeyView[]): ActVerdict[] | undefined {
  const [result, setResult] = useState<{ chain: EventView[]; verdicts: ActVerdict[] } | undefined>();
  useEffect(() => {
    let live = true;
    (async () => {
      const [key, proofs] = await Promise.all([
        theLogKey(),
        Promise.all(chain.map((event, i) => receiptOf(id, i + 1, event))),
      ]);
      const verdicts = await verifyHistory(id, chain, keys, proofs, key);
      if (live) setResult({ chain, verdicts });
    })().catch(() => {
      if (live) setResult({ chain, verdicts: chain.map(() => ({ signature: false, chain: false, inLog: false })) });
    });
    return () => {
      live = false;
    };
  }, [id, chain, keys]);
  return result?.chain === chain ? result.verdicts : undefined;
}

function Check(props: { ok: boolean; yes: string; no: string }) {
  return (
    <span class={props.ok ? "verdict verdict-ok" : "verdict verdict-bad"}>
      <span aria-hidden="true">{props.ok ? "✓ " : "✗ "}</span>
      <span>{props.ok ? props.yes : props.no}</span>
    </span>
  );
}

/** One act's verdicts, in words. */
export function Verdict(props: { verdict: ActVerdict | undefined }) {
  const v = props.verdict;
  if (!v) return <span class="muted">{t("verify.checking")}</span>;
  return (
    <>
      <Check ok={v.signature} yes={t("verify.signatureValid")} no={t("verify.signatureInvalid")} />
      <Check ok={v.chain} yes={t("verify.chainIntact")} no={t("verify.chainBroken")} />
      <Check ok={v.inLog} yes={t("verify.inLog")} no={t("verify.notInLog")} />
    </>
  );
}

/** One line over the history: all checked, or what the browser found (announced). */
export function VerdictSummary(props: { verdicts: ActVerdict[] | undefined }) {
  const v = props.verdicts;
  if (!v) {
    return (
      <p role="status" class="muted">
        {t("verify.checking")}
      </p>
    );
  }
  if (keyChange) {
    return (
      <div role="alert" class="error">
        <p>{t("verify.keyChanged", { since: dateTime(keyChange.pinned.since) })}</p>
        <p>
          <code>{keyChange.pinned.key}</code> → <code>{keyChange.served}</code>
        </p>
        <button type="button" class="secondary" onClick={trustServedKey}>
          {t("verify.trustNewKey")}
        </button>
      </div>
    );
  }
  const ok = v.every((x) => x.signature && x.chain && x.inLog);
  return ok ? (
    <p role="status" class="verdict-ok">
      {t("verify.allValid", { since: dateTime(pinned()?.since ?? new Date().toISOString()) })}
    </p>
  ) : (
    <p role="alert" class="error">
      {t("verify.problem")}
    </p>
  );
}

/**
 * Keeps a waybill's data current: a company long-polls `GET /v1/feed` from
 * now (not from the company's first event) and, when an act on this
 * waybill arrives that the page does not show yet, reloads the data without
 * a page reload. An act that landed between the page's read and the feed's
 * start is caught by one read of the chain right after the start. Authorities have no
 * feed: their reads are audited, and a page that kept reading would write
 * the audit trail full; they reload to see news.
 */
export function useLive<T extends { events: EventView[] }>(id: string, initial: T, reload: () => Promise<T>): T {
  const [data, setData] = useState(initial);
  const current = useRef(data);
  current.current = data;
  useEffect(() => setData(initial), [initial]);
  useEffect(() => {
    let live = true;
    (async () => {
      const me = await get<Party>("/v1/me");
      if (me.kind !== "company") return;
      let cursor: string = (await feed("now", 0, 1)).next_cursor;
      if (!live) return;
      // One look at the chain closes the gap; the whole page is read again only if it grew.
      if ((await events(id)).length !== current.current.events.length) {
        const next = await reload();
        if (live) setData(next);
      }
      let wait = 30;
      while (live) {
        const page = await feed(cursor, wait);
        cursor = page.next_cursor;
        // A full page: more are waiting, read on without waiting.
        wait = page.items.length === 200 ? 0 : 30;
        const shown = new Set(current.current.events.map((e) => e.seq));
        if (live && page.items.some((item) => item.waybill_id === id && !shown.has(item.event.seq))) {
          const next = await reload();
          if (live) setData(next);
        }
      }
    })().catch(() => {
      // A lost connection or an ended session: the page keeps what it has.
    });
    return () => {
      live = false;
    };
  }, [id]);
  return data;
}
