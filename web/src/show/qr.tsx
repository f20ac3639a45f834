// The roadside QR code (issue 11, items 7 and 8): the carrier and the
// consignor fetch it with their token (GET /v1/waybills/{id}/qr, PNG) and
// show it through a blob: URL (the CSP allows img-src blob:), full screen
// on a button, and on the printed waybill. The consignee may not print it.
import { useEffect, useRef, useState } from "preact/hooks";
import { qrPng } from "../api";
import { describe } from "../errors";
import { t } from "../i18n";
import type { Party, WaybillDocument } from "../types";

/** Whether the signed-in party is the waybill's carrier or consignor. */
export function mayShowQr(doc: WaybillDocument, party: Party): boolean {
  return (["carrier", "consignor"] as const).some(
    (role) => party.kind === "company" && doc[role].reg_no === party.reg_no && doc[role].country === party.country,
  );
}

/** The QR code as a blob: URL, fetched again after each act (its summary names the head), revoked when replaced. */
function useQrUrl(id: string, head: string, enabled: boolean): { url?: string; error?: string } {
  const [result, setResult] = useState<{ url?: string; error?: string }>({});
  useEffect(() => {
    if (!enabled) return;
    let url: string | undefined;
    let live = true;
    qrPng(id).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        if (live) setResult({ url });
        else URL.revokeObjectURL(url);
      },
      (e) => live && setResult({ error: describe(e) }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, head, enabled]);
  return result;
}

/** The button and the full-screen code, and the code again for print only. */
export function RoadsideQr(props: { id: string; head: string; doc: WaybillDocument; party: Party }) {
  const allowed = mayShowQr(props.doc, props.party);
  const { url, error } = useQrUrl(props.id, props.head, allowed);
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      openerRef.current?.focus();
    };
  }, [open]);
  if (!allowed) return null;
  return (
    <section aria-labelledby="show-qr-title" class="show-qr">
      <h2 id="show-qr-title">{t("show.qrTitle")}</h2>
      <p class="no-print">{t("show.qrHint")}</p>
      <p class="no-print">
        <button type="button" ref={openerRef} onClick={() => setOpen(true)}>
          {t("show.showQr")}
        </button>{" "}
        <button type="button" onClick={() => window.print()}>
          {t("show.print")}
        </button>
      </p>
      {error && <p role="alert">{error}</p>}
      {url && <img class="print-only qr-print" src={url} alt={t("show.qrAlt")} />}
      {open && (
        <div class="qr-overlay" role="dialog" aria-modal="true" aria-label={t("show.qrTitle")}>
          {url ? <img class="qr-full" src={url} alt={t("show.qrAlt")} /> : <p>{error ?? t("show.loading")}</p>}
          <p>
            <button type="button" ref={closeRef} onClick={() => setOpen(false)}>
              {t("show.close")}
            </button>
          </p>
        </div>
      )}
    </section>
  );
}
