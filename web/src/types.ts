// The API's shapes the app reads (openapi/openapi.json is the authority).
// Decimal amounts are strings and stay strings.

export interface FieldError {
  path: string;
  code: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string | null;
  errors?: FieldError[];
}

export type PartyKind = "operator" | "company" | "authority" | "auditor" | "oversight";

export interface Party {
  id: string;
  kind: PartyKind;
  name: string;
  reg_no: string;
  country: string;
  vat_no?: string | null;
  address?: string | null;
}

export const STATUSES = [
  "issued",
  "declined",
  "cancelled",
  "in_transit",
  "delivered",
  "partially_accepted",
  "rejected",
] as const;
export type Status = (typeof STATUSES)[number];

export const ROLES = ["consignor", "carrier", "consignee"] as const;
export type Role = (typeof ROLES)[number];

export interface PartyRef {
  reg_no: string;
  country: string;
  name: string;
  address?: string | null;
}

export interface WaybillSummary {
  id: string;
  number: string;
  status: Status;
  version: number;
  head: string;
  issue_date: string;
  consignor: PartyRef;
  carrier: PartyRef;
  consignee: PartyRef;
  vehicle_plate: string;
  updated_at: string;
}

export interface WaybillPage {
  items: WaybillSummary[];
  next_cursor?: string;
}

export interface Address {
  line: string;
  city: string;
  postal_code?: string | null;
  country: string;
}

export interface Place {
  address: Address;
  planned_at: string;
}

export interface Transport {
  vehicle_plate: string;
  vehicle_country: string;
  trailer_plate?: string | null;
  driver_name?: string | null;
}

export interface GoodsLine {
  line_no: number;
  description: string;
  cn_code?: string | null;
  quantity: string;
  unit: string;
  gross_weight_kg: string;
  unit_price: string;
  vat_rate: string;
  amount: string;
}

export interface Totals {
  net_amount: string;
  vat_amount: string;
  gross_amount: string;
  gross_weight_kg: string;
}

export interface WaybillDocument {
  number: string;
  issue_date: string;
  transaction_type: string;
  consignor: PartyRef;
  consignee: PartyRef;
  carrier: PartyRef;
  loading: Place;
  unloading: Place;
  transport: Transport;
  currency: string;
  lines: GoodsLine[];
  totals: Totals;
  notes?: string | null;
}

export interface WaybillState {
  id: string;
  status: Status;
  version: number;
  head: string;
  document: WaybillDocument;
  transport: Transport;
  corrections: number;
  vehicle_changes: number;
  issued_at: string;
  updated_at: string;
  reason?: string | null;
}

export interface SignedAct {
  type: string;
  waybill_id: string;
  prev: string | null;
  key_id: string;
  signed_at: string;
  body: unknown;
}

export interface EventView {
  seq: number;
  log_index: number;
  leaf: string;
  hash: string;
  received_at: string;
  act: SignedAct;
  signature: string;
}

export interface KeyView {
  key_id: string;
  party_id: string;
  public_key: string;
  label: string;
  active: boolean;
  registered_seq: number;
  revoked_seq?: number | null;
}

export interface FeedItem {
  waybill_id: string;
  event_type: string;
  event: EventView;
}

export interface FeedPage {
  items: FeedItem[];
  next_cursor: string;
}
