// The app's only way to the server: the public API under /v1, with a bearer
// token kept in memory. No cookies: `credentials: "omit"` on every request.

import { clientAssertion, type DeviceKey } from "./keys";
import { forget, keepFor, viaCache } from "./show/offline";
import type { Party, Problem, WaybillPage, WaybillState, EventView, KeyView, FeedPage } from "./types";

/** An error answer of the API (RFC 9457 problem details). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
  get code(): string {
    return this.problem.code;
  }
}

interface Session {
  key: DeviceKey;
  token: string;
  /** Epoch milliseconds after which the token is renewed before use. */
  renewAt: number;
}

let session: Session | undefined;

async function send(method: string, path: string, token?: string, body?: unknown, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const init: RequestInit = { method, headers, credentials: "omit", cache: "no-store" };
  if (body !== undefined) init.body = JSON.stringify(body);
  return fetch(path, init);
}

export async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem =
      parsed && typeof parsed === "object" && "code" in parsed
        ? (parsed as Problem)
        : { type: "about:blank", title: response.statusText, status: response.status, code: `http_${response.status}` };
    throw new ApiProblem(response.status, problem);
  }
  return parsed as T;
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

async function exchange(key: DeviceKey): Promise<Session> {
  const assertion = await clientAssertion(key);
  const started = Date.now();
  const token = await answer<TokenResponse>(await send("POST", "/v1/auth/token", undefined, { assertion }));
  // Renew a minute early (or halfway, for very short lifetimes).
  const margin = Math.min(60, token.expires_in / 2) * 1000;
  return { key, token: token.access_token, renewAt: started + token.expires_in * 1000 - margin };
}

/** Signs in with the key: gets a token and the caller's own party. */
export async function signIn(key: DeviceKey): Promise<Party> {
  const next = await exchange(key);
  session = next;
  try {
    const party = await get<Party>("/v1/me");
    keepFor(party);
    return party;
  } catch (e) {
    session = undefined;
    throw e;
  }
}

export function signOut(): void {
  session = undefined;
  forget().catch(() => undefined);
}

/** The session's token, renewed first when it is about to end. */
async function freshToken(): Promise<string> {
  if (!session) throw new ApiProblem(401, { type: "about:blank", title: "Not signed in", status: 401, code: "missing_token" });
  if (Date.now() >= session.renewAt) session = await exchange(session.key);
  return session.token;
}

/** A GET of a non-JSON answer (kept for offline use like every GET), with the token when `signedIn`. */
async function getRaw(path: string, accept: string, signedIn: boolean): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (signedIn) headers["Authorization"] = `Bearer ${await freshToken()}`;
  const response = await viaCache(path, () => fetch(path, { method: "GET", headers, credentials: "omit", cache: "no-store" }));
  return response.ok ? response : answer<never>(response);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await freshToken();
  // freshToken has thrown without a session; this only tells the compiler.
  if (!session) throw new ApiProblem(401, { type: "about:blank", title: "Not signed in", status: 401, code: "missing_token" });
  // Every write carries a fresh Idempotency-Key, so the one retry below
  // (after a lost answer or an ended token) gets the first answer instead
  // of applying a signed act twice.
  const idempotencyKey = method === "GET" ? undefined : crypto.randomUUID();
  let response: Response;
  if (method === "GET") {
    response = await viaCache(path, () => send(method, path, token));
  } else {
    try {
      response = await send(method, path, token, body, idempotencyKey);
    } catch {
      // The network dropped the request or its answer: one retry.
      response = await send(method, path, token, body, idempotencyKey);
    }
  }
  if (response.status === 401) {
    // The token ended early (a restarted service, a clock jump): one fresh
    // assertion, one retry. A revoked key fails the exchange and says so.
    session = await exchange(session.key);
    return answer<T>(await send(method, path, session.token, body, idempotencyKey));
  }
  return answer<T>(response);
}

export function get<T>(path: string): Promise<T> {
  return call<T>("GET", path);
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return call<T>("POST", path, body);
}

export interface ListFilter {
  status?: string;
  role?: string;
  cursor?: string;
  limit: number;
}

export function listWaybills(filter: ListFilter): Promise<WaybillPage> {
  const query = new URLSearchParams();
  if (filter.status) query.set("status", filter.status);
  if (filter.role) query.set("role", filter.role);
  if (filter.cursor) query.set("cursor", filter.cursor);
  query.set("limit", String(filter.limit));
  return get<WaybillPage>(`/v1/waybills?${query.toString()}`);
}

export function waybill(id: string): Promise<WaybillState> {
  return get<WaybillState>(`/v1/waybills/${encodeURIComponent(id)}`);
}

export function events(id: string): Promise<EventView[]> {
  return get<EventView[]>(`/v1/waybills/${encodeURIComponent(id)}/events`);
}

export function signingKeys(id: string): Promise<KeyView[]> {
  return get<KeyView[]>(`/v1/waybills/${encodeURIComponent(id)}/keys`);
}

/** The key of the signed-in session: acts are signed with it (acts.ts). */
export function currentKey(): DeviceKey | undefined {
  return session?.key;
}

/** A `text/plain` answer (the log's key, a tlog-proof), with the token when signed in. */
export async function getText(path: string): Promise<string> {
  return (await getRaw(path, "text/plain", session !== undefined)).text();
}

/** The log's C2SP note verifier key. */
export function logKey(): Promise<string> {
  return getText("/v1/log/key");
}

/** The tlog-proof of the waybill's act at `position` (1 = the issue). */
export function eventProof(id: string, position: number): Promise<string> {
  return getText(`/v1/waybills/${encodeURIComponent(id)}/events/${position}/proof`);
}

/**
 * The caller's events after `after` (a cursor, or `"now"`: after the
 * caller's newest event), waiting up to `wait` seconds for new ones.
 */
export function feed(after: string | "now", wait: number, limit = 200): Promise<FeedPage> {
  const query = new URLSearchParams({ wait: String(wait), limit: String(limit) });
  query.set(after === "now" ? "from" : "after", after);
  return get<FeedPage>(`/v1/feed?${query.toString()}`);
}

export function del<T>(path: string): Promise<T> {
  return call<T>("DELETE", path);
}

/** One demo party's test-only key file (`GET /v1/demo/keys`). */
export interface DemoKey {
  handle: string;
  kind: string;
  name: string;
  key_id: string;
  key_file: string;
}

/**
 * The demo parties' test-only key files, or `undefined` on a service not
 * started by `ewaybill demo` (404). Fetched past the offline cache: the
 * answer says what this service is now.
 */
export async function demoKeys(): Promise<DemoKey[] | undefined> {
  const response = await fetch("/v1/demo/keys", { headers: { Accept: "application/json" }, credentials: "omit", cache: "no-store" });
  if (response.status === 404) return undefined;
  return (await answer<{ keys: DemoKey[] }>(response)).keys;
}

/** The waybill's roadside QR code as PNG (the carrier and the consignor only). */
export async function qrPng(id: string): Promise<Blob> {
  return (await getRaw(`/v1/waybills/${encodeURIComponent(id)}/qr?format=png`, "image/png", true)).blob();
}
