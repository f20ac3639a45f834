// The inspect, roadside and audit calls of the public API.

import { answer, get, post } from "../api";
import type {
  AccessRecord,
  InspectionRequest,
  InspectionView,
  RiskList,
  RoadsideView,
  ShipmentPage,
} from "./types";

export interface ShipmentSearch {
  plate?: string;
  party?: string;
  cn?: string;
  issued_from?: string;
  issued_to?: string;
  excise?: boolean;
  cursor?: string;
}

/** The search as query parameters, empty fields left out. */
export function searchQuery(search: ShipmentSearch): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(search)) {
    if (value === undefined || value === "" || value === false) continue;
    query.set(name, String(value));
  }
  return query;
}

export function searchShipments(query: URLSearchParams): Promise<ShipmentPage> {
  const q = new URLSearchParams(query);
  q.set("limit", "50");
  return get<ShipmentPage>(`/v1/inspect/shipments?${q.toString()}`);
}

export function riskList(query: URLSearchParams): Promise<RiskList> {
  const q = new URLSearchParams(query);
  q.set("limit", "50");
  return get<RiskList>(`/v1/inspect/risk?${q.toString()}`);
}

export function inspections(id: string): Promise<InspectionView[]> {
  return get<InspectionView[]>(`/v1/inspect/shipments/${encodeURIComponent(id)}/inspections`);
}

export function recordInspection(id: string, body: InspectionRequest): Promise<InspectionView> {
  return post<InspectionView>(`/v1/inspect/shipments/${encodeURIComponent(id)}/inspections`, body);
}

export function accessTrail(before: string | undefined, limit: number): Promise<AccessRecord[]> {
  const q = new URLSearchParams();
  if (before) q.set("before", before);
  q.set("limit", String(limit));
  return get<AccessRecord[]>(`/v1/audit/access?${q.toString()}`);
}

/**
 * The token of a roadside QR code's link (`HTTPS://…/V/{token}#EWB2:…`,
 * 26 base32 characters in either case; also `…/v1/verify/{token}`), or a
 * bare token; uppercase, as the service stores it.
 */
export function verifyToken(link: string): string | undefined {
  const text = link.trim();
  const found = /\/(?:V|v1\/verify)\/([A-Za-z2-7]{26})(?:[#?]|$)/i.exec(text);
  if (found?.[1]) return found[1].toUpperCase();
  return /^[A-Za-z2-7]{26}$/.test(text) ? text.toUpperCase() : undefined;
}

/**
 * The roadside check of a token, asked of this service (the app talks to
 * its own origin only). It needs no sign-in, like the roadside page.
 */
export async function roadsideCheck(token: string): Promise<RoadsideView> {
  const response = await fetch(`/v1/verify/${encodeURIComponent(token)}`, {
    headers: { Accept: "application/json" },
    credentials: "omit",
    cache: "no-store",
  });
  return answer<RoadsideView>(response);
}
