// Client-side routes in the URL hash (`#/waybills/<id>`), so the server
// serves the app at `/` only and every page has a link of its own.

import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "waybills"; query: URLSearchParams }
  | { page: "waybill"; id: string }
  | { page: "notfound" }
  | { page: "inspect"; query: URLSearchParams }
  | { page: "risk"; query: URLSearchParams }
  | { page: "qr" }
  | { page: "audit" }
  | { page: "new"; from?: string }
  | { page: "correct"; id: string }
  | { page: "keys" };

export function parse(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/waybills";
  const [pathname = "", search = ""] = path.split("?", 2);
  const segments = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === "waybills")) {
    return { page: "waybills", query: new URLSearchParams(search) };
  }
  if (segments.length === 2 && segments[0] === "waybills" && segments[1]) {
    return { page: "waybill", id: segments[1] };
  }
  if (segments.length === 1 && (segments[0] === "inspect" || segments[0] === "risk")) {
    return { page: segments[0], query: new URLSearchParams(search) };
  }
  if (segments.length === 1 && (segments[0] === "qr" || segments[0] === "audit")) {
    return { page: segments[0] };
  }
  if (segments.length === 1 && segments[0] === "new") {
    const from = new URLSearchParams(search).get("from");
    return from ? { page: "new", from } : { page: "new" };
  }
  if (segments.length === 3 && segments[0] === "waybills" && segments[1] && segments[2] === "correct") {
    return { page: "correct", id: segments[1] };
  }
  if (segments.length === 1 && segments[0] === "keys") return { page: "keys" };
  return { page: "notfound" };
}

export function hrefWaybills(query?: URLSearchParams): string {
  const search = query?.toString();
  return search ? `#/waybills?${search}` : "#/waybills";
}

export function hrefWaybill(id: string): string {
  return `#/waybills/${encodeURIComponent(id)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parse(location.hash));
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function withQuery(path: string, query?: URLSearchParams): string {
  const search = query?.toString();
  return search ? `${path}?${search}` : path;
}

export const hrefInspect = (query?: URLSearchParams): string => withQuery("#/inspect", query);
export const hrefRisk = (query?: URLSearchParams): string => withQuery("#/risk", query);

export const HREF_QR = "#/qr";
export const HREF_AUDIT = "#/audit";

export function hrefNew(from?: string): string {
  return from ? `#/new?from=${encodeURIComponent(from)}` : "#/new";
}

export function hrefCorrect(id: string): string {
  return `#/waybills/${encodeURIComponent(id)}/correct`;
}

export const HREF_KEYS = "#/keys";
