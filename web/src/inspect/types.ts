// The shapes of the inspect, roadside and audit API the authority and
// oversight pages read (openapi/openapi.json is the authority).

import type { Status, WaybillSummary } from "../types";

export type Band = "low" | "medium" | "high";

export interface RiskBrief {
  assessment_id: string;
  score: number;
  band: Band;
  model_version: string;
  top_reason?: string | null;
}

export interface ShipmentHit extends WaybillSummary {
  risk?: RiskBrief | null;
}

export interface ShipmentPage {
  items: ShipmentHit[];
  next_cursor?: string | null;
}

export interface Reason {
  factor: string;
  points: number;
  contribution: number;
  /** The factor in plain words, as the risk engine states it. */
  detail: string;
}

export interface RiskItem {
  assessment_id: string;
  waybill: WaybillSummary;
  score: number;
  band: Band;
  model_version: string;
  selection: "ranking" | "random";
  selection_probability: string;
  reasons: Reason[];
}

export interface RiskList {
  model_version: string;
  generated_at: string;
  random_share: number;
  ranked: number;
  items: RiskItem[];
}

export const OUTCOMES = ["no_irregularity", "irregularity"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const CATEGORIES = [
  "undeclared_goods",
  "quantity_mismatch",
  "value_mismatch",
  "excise_evasion",
  "forged_document",
  "vehicle_or_driver_mismatch",
  "dangerous_goods",
  "food_safety",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

export type StopSelection = "ranking" | "random" | "other";

export interface InspectionRequest {
  outcome: Outcome;
  selection: StopSelection;
  category?: Category;
  amount_at_stake?: string;
  currency?: string;
  selection_probability?: string;
  note?: string;
  assessment_id?: string;
}

export interface InspectionView {
  id: string;
  waybill_id: string;
  party_id: string;
  inspected_at: string;
  recorded_at: string;
  outcome: Outcome;
  category?: Category | null;
  amount_at_stake?: string | null;
  currency?: string | null;
  selection: StopSelection;
  selection_probability?: string | null;
  note?: string | null;
  assessment_id?: string | null;
}

export interface RoadsideView {
  verdict: string;
  valid_for_transport: boolean;
  authentic: boolean;
  checks: {
    signatures: boolean;
    hash_chain: boolean;
    log_inclusion: boolean;
    log_index?: number;
    checkpoint_size?: number;
    problems?: string[];
  };
  waybill: { id: string; number: string; status: Status | string; version: number; issue_date: string };
  consignor: { name: string; reg_no: string; country: string };
  consignee: { name: string; reg_no: string; country: string };
  carrier: { name: string; reg_no: string; country: string };
  transport: { vehicle_plate: string; trailer_plate?: string; vehicle_country: string };
  goods: { lines: number; gross_weight_kg: string; excise: boolean };
  verified_at: string;
}

export interface AccessRecord {
  id: string;
  at: string;
  party_id: string;
  key_id: string;
  action: string;
  waybill_id?: string | null;
  query?: string | null;
  result_count?: number | null;
}
