// Offline copies of what a company opened (docs/webapp.md, "Offline"): the
// answers for a waybill (state, signed history, keys, proofs, the QR code)
// are kept in Cache Storage under the signed-in party's own cache, used only
// when the network fails, and deleted on sign-out. Authorities' reads are
// never kept (the audit trail records them; a copy would outlive it), and
// one party's cache is never read for another. The service worker
// (src/show/sw.js) keeps the app shell.

const PREFIX = "ewaybill-data-";
let current: string | undefined;

const KEPT = [
  /^\/v1\/waybills\/[^/?]+(\?|$)/,
  /^\/v1\/waybills\/[^/?]+\/(events|keys|qr)(\?|$)/,
  /^\/v1\/waybills\/[^/?]+\/events\/\d+\/proof$/,
  /^\/v1\/log\/key$/,
];

function kept(path: string): boolean {
  return current !== undefined && typeof caches !== "undefined" && KEPT.some((re) => re.test(path));
}

/** Starts keeping copies for this party (a company), or none (anyone else). */
export function keepFor(party: { id: string; kind: string } | undefined): void {
  current = party?.kind === "company" ? PREFIX + party.id : undefined;
}

/** Forgets every kept copy (sign-out). */
export async function forget(): Promise<void> {
  current = undefined;
  if (typeof caches === "undefined") return;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => caches.delete(n)));
}

/**
 * Sends a GET through `send`; keeps a successful answer, and answers from
 * the kept copy when the network fails.
 */
export async function viaCache(path: string, send: () => Promise<Response>): Promise<Response> {
  const name = current;
  if (!name || !kept(path)) return send();
  try {
    const response = await send();
    if (response.ok) {
      const copy = response.clone();
      void caches.open(name).then((cache) => cache.put(path, copy), () => undefined);
    }
    return response;
  } catch (offline) {
    const copy = await caches.open(name).then((cache) => cache.match(path));
    if (copy) return copy;
    throw offline;
  }
}

/** Registers the service worker that keeps the app shell. */
export function registerShell(): void {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
  }
}
