// Signed acts, built exactly as src/client/signing.rs builds them: the act
// object {type, waybill_id, prev, key_id, signed_at, body}, signed with the
// browser's Ed25519 key over its RFC 8785 (JCS) bytes, sent as
// {"act": {...}, "signature": "<base64url>"}. `consignor.issue` goes to
// POST /v1/waybills with prev null and a new waybill id; every later act to
// POST /v1/waybills/{id}/events with prev = the waybill's head.

import canonicalize from "canonicalize";
import { post } from "./api";
import { toBase64url, utf8 } from "./b64";
import { sign, type DeviceKey } from "./keys";
import type { EventView, WaybillState } from "./types";

export type ActType =
  | "consignor.issue"
  | "consignor.correct"
  | "consignor.cancel"
  | "carrier.accept"
  | "carrier.decline"
  | "carrier.change_vehicle"
  | "consignee.accept"
  | "consignee.reject";

export interface Act {
  type: ActType;
  waybill_id: string;
  prev: string | null;
  key_id: string;
  signed_at: string;
  body: unknown;
}

export interface SignedEnvelope {
  act: Act;
  signature: string;
}

/** The answer to an accepted act (ActAccepted). */
export interface ActAccepted {
  waybill: WaybillState;
  event: EventView;
  receipt: unknown;
}

/** RFC 3339 in UTC to the second, as the CLI writes it: `2026-11-30T06:30:00Z`. */
export function signedAtOf(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A time-ordered UUID (version 7, RFC 9562) for a new waybill. */
export function uuidV7(now: number = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = BigInt(now);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The RFC 8785 canonical text of a JSON value (numbers must be safe integers). */
export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("the act cannot be put in RFC 8785 form");
  return text;
}

/** Builds and signs an act with the browser's key. */
export async function signAct(
  key: DeviceKey,
  type: ActType,
  waybillId: string,
  prev: string | null,
  body: unknown,
  now: Date = new Date(),
): Promise<SignedEnvelope> {
  const act: Act = { type, waybill_id: waybillId, prev, key_id: key.keyId, signed_at: signedAtOf(now), body };
  const signature = toBase64url(await sign(key, utf8(canonical(act))));
  return { act, signature };
}

/** Signs `consignor.issue` for a new waybill and issues it. */
export async function issue(key: DeviceKey, document: unknown, waybillId: string = uuidV7()): Promise<ActAccepted> {
  const envelope = await signAct(key, "consignor.issue", waybillId, null, document);
  return post<ActAccepted>("/v1/waybills", envelope);
}

/** Signs a later act chained to the waybill's current head and sends it. */
export async function act(key: DeviceKey, state: WaybillState, type: ActType, body: unknown): Promise<ActAccepted> {
  const envelope = await signAct(key, type, state.id, state.head, body);
  return post<ActAccepted>(`/v1/waybills/${encodeURIComponent(state.id)}/events`, envelope);
}

// Act bodies (src/domain/act.rs).

export interface Reservation {
  line_no?: number;
  note: string;
}

export interface CarrierAcceptBody {
  reservations: Reservation[];
}

export interface ChangeVehicleBody {
  vehicle_plate: string;
  vehicle_country: string;
  trailer_plate?: string;
  driver_name?: string;
  reason?: string;
}

export interface ReceivedLine {
  line_no: number;
  received_quantity: string;
  note?: string;
}

export interface ConsigneeAcceptBody {
  lines: ReceivedLine[];
  note?: string;
}

export interface ReasonBody {
  reason: string;
}
