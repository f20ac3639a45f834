// The consignor's new-waybill form: every field of the document, goods
// lines added and removed, amounts and totals computed as typed with the
// server's rule, consignee and carrier found by registration number, the
// server's problems shown next to their fields, a draft kept in
// localStorage until the waybill is issued.

import { useEffect, useState } from "preact/hooks";
import { currentKey, get, waybill } from "../api";
import { act, issue } from "../acts";
import { Field, focusFirst, Group, parseDecimal, problemsOf, Summary, typedDecimal, type Problems } from "../fields";
import { decimal, money } from "../format";
import { t } from "../i18n";
import { lineMoney, totalsOf, type LineMoney } from "../money";
import { hrefWaybill } from "../router";
import { Pending, useLoad } from "../load";
import type { Party, WaybillDocument, WaybillState } from "../types";
import { PageTitle, TITLE_ID } from "../title";
import { COMMON_UNITS, unitCode, unitName } from "../units";

interface PartyDraft {
  reg_no: string;
  country: string;
  name: string;
  address: string;
}

interface PlaceDraft {
  address: { line: string; city: string; postal_code: string; country: string };
  planned_at: string;
}

interface LineDraft {
  description: string;
  cn_code: string;
  quantity: string;
  unit: string;
  gross_weight_kg: string;
  unit_price: string;
  vat_rate: string;
}

/** What is typed, as typed: the field names are the document's, so a path names its field. */
interface Draft {
  number: string;
  issue_date: string;
  transaction_type: string;
  currency: string;
  consignee: PartyDraft;
  carrier: PartyDraft;
  loading: PlaceDraft;
  unloading: PlaceDraft;
  transport: { vehicle_plate: string; vehicle_country: string; trailer_plate: string; driver_name: string };
  lines: LineDraft[];
  notes: string;
}

const FORM = "new";
const TRANSACTION_TYPES = ["sale", "return", "transfer", "processing", "other"] as const;

const blankParty = (): PartyDraft => ({ reg_no: "", country: "LV", name: "", address: "" });
const blankPlace = (): PlaceDraft => ({ address: { line: "", city: "", postal_code: "", country: "LV" }, planned_at: "" });
const blankLine = (): LineDraft => ({
  description: "",
  cn_code: "",
  quantity: "",
  unit: "",
  gross_weight_kg: "",
  unit_price: "",
  vat_rate: "21",
});

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function blankDraft(): Draft {
  return {
    number: "",
    issue_date: today(),
    transaction_type: "sale",
    currency: "EUR",
    consignee: blankParty(),
    carrier: blankParty(),
    loading: blankPlace(),
    unloading: blankPlace(),
    transport: { vehicle_plate: "", vehicle_country: "LV", trailer_plate: "", driver_name: "" },
    lines: [blankLine()],
    notes: "",
  };
}

const draftKey = (party: Party, correcting?: string) =>
  correcting ? `ewaybill.draft.${party.id}.${correcting}` : `ewaybill.draft.${party.id}`;

/** A datetime-local value in the browser's time zone for an RFC 3339 time. */
function localOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A document as the form shows it: for a correction, or copied into a new waybill. */
function draftOf(doc: WaybillDocument): Draft {
  const party = (p: WaybillDocument["consignee"]): PartyDraft => ({ reg_no: p.reg_no, country: p.country, name: p.name, address: p.address ?? "" });
  const place = (p: WaybillDocument["loading"]): PlaceDraft => ({
    address: { line: p.address.line, city: p.address.city, postal_code: p.address.postal_code ?? "", country: p.address.country },
    planned_at: localOf(p.planned_at),
  });
  return {
    number: doc.number,
    issue_date: doc.issue_date,
    transaction_type: doc.transaction_type,
    currency: doc.currency,
    consignee: party(doc.consignee),
    carrier: party(doc.carrier),
    loading: place(doc.loading),
    unloading: place(doc.unloading),
    transport: {
      vehicle_plate: doc.transport.vehicle_plate,
      vehicle_country: doc.transport.vehicle_country,
      trailer_plate: doc.transport.trailer_plate ?? "",
      driver_name: doc.transport.driver_name ?? "",
    },
    lines: doc.lines.map((l) => ({
      description: l.description,
      cn_code: l.cn_code ?? "",
      quantity: typedDecimal(l.quantity),
      unit: l.unit,
      gross_weight_kg: typedDecimal(l.gross_weight_kg),
      unit_price: typedDecimal(l.unit_price),
      vat_rate: typedDecimal(l.vat_rate),
    })),
    notes: doc.notes ?? "",
  };
}

/** An earlier waybill's document as the start of a new one: a new number, today's date, times to be planned. */
function copyOf(doc: WaybillDocument): Draft {
  const draft = draftOf(doc);
  return {
    ...draft,
    number: "",
    issue_date: today(),
    loading: { ...draft.loading, planned_at: "" },
    unloading: { ...draft.unloading, planned_at: "" },
  };
}

function loadDraft(party: Party, correcting?: WaybillState): Draft {
  try {
    const text = localStorage.getItem(draftKey(party, correcting?.id));
    if (text) return { ...blankDraft(), ...(JSON.parse(text) as Partial<Draft>) };
  } catch {
    // A damaged draft is dropped.
  }
  return correcting ? draftOf(correcting.document) : blankDraft();
}

/** `lines[1].quantity` -> ["lines", 1, "quantity"]. */
function segments(path: string): (string | number)[] {
  return path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A copy of the draft with the text at `path` replaced. */
function setAt(draft: Draft, path: string, value: string): Draft {
  const copy = structuredClone(draft);
  const keys = segments(path);
  let node: Record<string | number, unknown> = copy as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = value;
  return copy;
}

function textAt(draft: Draft, path: string): string {
  let node: unknown = draft;
  for (const key of segments(path)) node = (node as Record<string | number, unknown>)[key];
  return typeof node === "string" ? node : "";
}

const optional = (text: string) => (text.trim() === "" ? undefined : text.trim());

/** The line's numbers as API decimals, and its money when all three are numbers. */
interface LineNumbers {
  quantity?: string;
  gross_weight_kg?: string;
  unit_price?: string;
  vat_rate?: string;
  money?: LineMoney;
}

function lineNumbers(line: LineDraft): LineNumbers {
  const n: LineNumbers = {};
  for (const name of ["quantity", "gross_weight_kg", "unit_price", "vat_rate"] as const) {
    const parsed = parseDecimal(line[name]);
    if (parsed !== undefined) n[name] = parsed;
  }
  if (n.quantity !== undefined && n.unit_price !== undefined && n.vat_rate !== undefined) {
    n.money = lineMoney(n.quantity, n.unit_price, n.vat_rate);
  }
  return n;
}

/** A datetime-local value (the browser's time zone) as RFC 3339 UTC. */
function utcOf(local: string): string | undefined {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The document to sign, or the problems that stop it being built (numbers
 * that are not numbers, times that are not times). Everything else is left
 * to the server, whose problems come back by path.
 */
function documentOf(draft: Draft, consignor: Party): { document?: unknown; problems: Problems } {
  const problems: Problems = {};
  const lines = draft.lines.map((line, i) => {
    const n = lineNumbers(line);
    for (const name of ["quantity", "gross_weight_kg", "unit_price", "vat_rate"] as const) {
      if (n[name] === undefined) {
        problems[`lines[${i}].${name}`] = line[name].trim() === "" ? t("form.problem.required") : t("form.notNumber", { example: decimal("12.5") });
      }
    }
    return { line, n, line_no: i + 1 };
  });
  const places: Record<string, string | undefined> = {};
  for (const place of ["loading", "unloading"] as const) {
    places[place] = utcOf(draft[place].planned_at);
    if (places[place] === undefined) problems[`${place}.planned_at`] = t("form.problem.required");
  }
  if (Object.keys(problems).length > 0) return { problems };
  const party = (p: PartyDraft) => ({
    reg_no: p.reg_no.trim(),
    country: p.country.trim().toUpperCase(),
    name: p.name.trim(),
    address: optional(p.address),
  });
  const place = (p: PlaceDraft, at: string | undefined) => ({
    address: {
      line: p.address.line.trim(),
      city: p.address.city.trim(),
      postal_code: optional(p.address.postal_code),
      country: p.address.country.trim().toUpperCase(),
    },
    planned_at: at,
  });
  const computed = lines.map(({ line, n, line_no }) => ({
    line_no,
    description: line.description.trim(),
    cn_code: optional(line.cn_code),
    quantity: n.quantity ?? "",
    unit: unitCode(line.unit),
    gross_weight_kg: n.gross_weight_kg ?? "",
    unit_price: n.unit_price ?? "",
    vat_rate: n.vat_rate ?? "",
    amount: n.money?.amount ?? "",
    money: n.money ?? { amount: "0", vat: "0" },
  }));
  const document = {
    number: draft.number.trim(),
    issue_date: draft.issue_date,
    transaction_type: draft.transaction_type,
    consignor: { reg_no: consignor.reg_no, country: consignor.country, name: consignor.name, address: consignor.address ?? undefined },
    consignee: party(draft.consignee),
    carrier: party(draft.carrier),
    loading: place(draft.loading, places["loading"]),
    unloading: place(draft.unloading, places["unloading"]),
    transport: {
      vehicle_plate: draft.transport.vehicle_plate.trim(),
      trailer_plate: optional(draft.transport.trailer_plate),
      vehicle_country: draft.transport.vehicle_country.trim().toUpperCase(),
      driver_name: optional(draft.transport.driver_name),
    },
    currency: draft.currency.trim().toUpperCase(),
    lines: computed.map(({ money: _money, ...line }) => line),
    totals: totalsOf(computed),
    notes: optional(draft.notes),
  };
  // JSON drops the undefined optional members, as the server wants them absent.
  return { document: JSON.parse(JSON.stringify(document)) as unknown, problems };
}

/** The form for a correction (`consignor.correct`) of a waybill that may still be corrected. */
export function CorrectWaybill(props: { party: Party; id: string }) {
  const [loaded, retry] = useLoad(() => waybill(props.id), [props.id]);
  return (
    <Pending loaded={loaded} retry={retry}>
      {(state) => <NewWaybill party={props.party} correcting={state} />}
    </Pending>
  );
}

/** The new-waybill form, empty, copied from an earlier waybill (`from`), or correcting one. */
export function NewWaybill(props: { party: Party; correcting?: WaybillState; from?: string }) {
  const { correcting } = props;
  const key = draftKey(props.party, correcting?.id);
  const [draft, setDraft] = useState<Draft>(() => loadDraft(props.party, correcting));
  const [problems, setProblems] = useState<Problems>({});
  const [summary, setSummary] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [found, setFound] = useState<Record<string, string>>({});

  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(draft));
  }, [draft, key]);

  useEffect(() => {
    if (!props.from) return;
    waybill(props.from).then(
      (earlier) => setDraft(copyOf(earlier.document)),
      () => setSummary(t("form.copyFailed")),
    );
  }, [props.from]);

  const set = (path: string) => (value: string) => setDraft((d) => setAt(d, path, value));

  /** Fills a party's name and address from the registered company with this number. */
  async function lookUp(role: "consignee" | "carrier") {
    const p = draft[role];
    const regNo = p.reg_no.trim();
    if (!regNo) return;
    const query = new URLSearchParams({ reg_no: regNo });
    if (/^[A-Za-z]{2}$/.test(p.country.trim())) query.set("country", p.country.trim().toUpperCase());
    try {
      const companies = await get<Party[]>(`/v1/companies?${query.toString()}`);
      const company = companies[0];
      if (companies.length === 1 && company) {
        setDraft((d) => ({
          ...d,
          [role]: { reg_no: company.reg_no, country: company.country, name: company.name, address: company.address ?? "" },
        }));
        setFound((f) => ({ ...f, [role]: t("form.found", { name: company.name }) }));
      } else {
        setFound((f) => ({ ...f, [role]: t("form.notFound") }));
      }
    } catch {
      setFound((f) => ({ ...f, [role]: t("form.lookupFailed") }));
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    const signer = currentKey();
    const built = documentOf(draft, props.party);
    if (!built.document || !signer) {
      setProblems(built.problems);
      const paths = Object.keys(built.problems);
      setSummary(t("form.problems", { count: paths.length }));
      focusFirst(FORM, paths);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      const accepted = correcting
        ? await act(signer, correcting, "consignor.correct", built.document)
        : await issue(signer, built.document);
      localStorage.removeItem(key);
      location.hash = hrefWaybill(accepted.waybill.id);
    } catch (error) {
      const { fields, summary: words } = problemsOf(error, (path) => document.getElementById(`${FORM}-${path}`) !== null);
      setProblems(fields);
      setSummary(words);
      focusFirst(FORM, Object.keys(fields));
    } finally {
      setBusy(false);
    }
  }

  const field = (path: string, label: string, extra: Partial<Parameters<typeof Field>[0]> = {}) => (
    <Field form={FORM} path={path} label={label} value={textAt(draft, path)} onInput={set(path)} problems={problems} {...extra} />
  );

  const partyFields = (role: "consignee" | "carrier") => (
    <Group legend={t(role === "consignee" ? "form.consignee" : "form.carrier")} class="grid">
      {field(`${role}.reg_no`, t("form.regNo"), { onChange: () => void lookUp(role), hint: t("form.regNoHint") })}
      {field(`${role}.country`, t("form.country"), { maxLength: 2, onChange: () => void lookUp(role) })}
      <p class="hint found" aria-live="polite">
        {found[role]}
      </p>
      {field(`${role}.name`, t("form.name"))}
      {field(`${role}.address`, t("form.address"))}
    </Group>
  );

  const placeFields = (place: "loading" | "unloading") => (
    <Group legend={t(place === "loading" ? "form.loading" : "form.unloading")} class="grid">
      {field(`${place}.address.line`, t("form.address"))}
      {field(`${place}.address.city`, t("form.city"))}
      {field(`${place}.address.postal_code`, t("form.postalCode"))}
      {field(`${place}.address.country`, t("form.country"), { maxLength: 2 })}
      {field(`${place}.planned_at`, t("form.plannedAt"), { type: "datetime-local" })}
    </Group>
  );

  const computed = draft.lines.map(lineNumbers);
  const complete = computed.every((n) => n.money && n.gross_weight_kg !== undefined);
  const totals = complete
    ? totalsOf(computed.map((n) => ({ money: n.money ?? { amount: "0", vat: "0" }, gross_weight_kg: n.gross_weight_kg ?? "0" })))
    : undefined;
  const currency = draft.currency.trim().toUpperCase() || "EUR";
  const dash = t("common.none");

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{correcting ? t("form.correctTitle", { number: correcting.document.number }) : t("form.title")}</PageTitle>
      <p class="hint">{t("form.intro", { name: props.party.name })}</p>
      {correcting && (
        <p>
          <a href={hrefWaybill(correcting.id)}>{t("waybill.back")}</a>
        </p>
      )}
      <form class="waybill-form stack" onSubmit={submit} noValidate aria-labelledby={TITLE_ID}>
        <Group legend={t("form.document")} class="grid">
          {field("number", t("form.number"), { required: true })}
          {field("issue_date", t("form.issueDate"), { type: "date" })}
          <div class="field">
            <label for={`${FORM}-transaction_type`}>{t("form.transactionType")}</label>
            <select id={`${FORM}-transaction_type`} value={draft.transaction_type} onChange={(e) => set("transaction_type")(e.currentTarget.value)}>
              {TRANSACTION_TYPES.map((type) => (
                <option value={type}>{t(`transaction.${type}`)}</option>
              ))}
            </select>
          </div>
          {field("currency", t("form.currency"), { maxLength: 3 })}
        </Group>
        {partyFields("consignee")}
        {partyFields("carrier")}
        {placeFields("loading")}
        {placeFields("unloading")}
        <Group legend={t("form.transport")} class="grid">
          {field("transport.vehicle_plate", t("form.vehiclePlate"))}
          {field("transport.vehicle_country", t("form.vehicleCountry"), { maxLength: 2 })}
          {field("transport.trailer_plate", t("form.trailerPlate"))}
          {field("transport.driver_name", t("form.driver"))}
        </Group>
        <datalist id="units">
          {COMMON_UNITS.map((code) => (
            <option value={code}>{unitName(code)}</option>
          ))}
        </datalist>
        {draft.lines.map((_, i) => {
          const n = computed[i];
          return (
            <fieldset class="grid line" key={i}>
              <legend>{t("form.line", { n: i + 1 })}</legend>
              {field(`lines[${i}].description`, t("form.description"))}
              {field(`lines[${i}].cn_code`, t("form.cnCode"), { inputMode: "numeric", maxLength: 8, hint: t("form.cnCodeHint") })}
              {field(`lines[${i}].quantity`, t("form.quantity"), { inputMode: "decimal" })}
              {field(`lines[${i}].unit`, t("form.unit"), { list: "units", hint: t("form.unitHint") })}
              {field(`lines[${i}].gross_weight_kg`, t("form.grossWeight"), { inputMode: "decimal" })}
              {field(`lines[${i}].unit_price`, t("form.unitPrice"), { inputMode: "decimal" })}
              {field(`lines[${i}].vat_rate`, t("form.vatRate"), { inputMode: "decimal" })}
              <p class="line-money">
                {t("form.lineAmount")}: <output name={`amount-${i}`}>{n?.money ? money(n.money.amount, currency) : dash}</output>
                {"; "}
                {t("form.lineVat")}: <output name={`vat-${i}`}>{n?.money ? money(n.money.vat, currency) : dash}</output>
              </p>
              {draft.lines.length > 1 && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setProblems({});
                    setDraft((d) => ({ ...d, lines: d.lines.filter((_, j) => j !== i) }));
                  }}
                >
                  {t("form.removeLine", { n: i + 1 })}
                </button>
              )}
            </fieldset>
          );
        })}
        <p>
          <button type="button" class="secondary" onClick={() => setDraft((d) => ({ ...d, lines: [...d.lines, blankLine()] }))}>
            {t("form.addLine")}
          </button>
        </p>
        <section aria-labelledby="totals-title">
          <h2 id="totals-title">{t("form.totals")}</h2>
          <dl class="facts totals" aria-live="polite">
            <dt>{t("form.net")}</dt>
            <dd class="num" id="total-net">{totals ? money(totals.net_amount, currency) : dash}</dd>
            <dt>{t("form.vat")}</dt>
            <dd class="num" id="total-vat">{totals ? money(totals.vat_amount, currency) : dash}</dd>
            <dt>{t("form.gross")}</dt>
            <dd class="num" id="total-gross">{totals ? money(totals.gross_amount, currency) : dash}</dd>
            <dt>{t("form.totalWeight")}</dt>
            <dd class="num" id="total-weight">{totals ? decimal(totals.gross_weight_kg) : dash}</dd>
          </dl>
        </section>
        {field("notes", t("form.notes"), { multiline: true, maxLength: 2000 })}
        <Summary text={summary} tone="error" />
        <p class="actions">
          <button type="submit" disabled={busy}>
            {correcting ? t("form.sendCorrection") : t("form.issue")}
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(correcting ? draftOf(correcting.document) : blankDraft());
              setProblems({});
              setSummary(undefined);
            }}
          >
            {t("form.clear")}
          </button>
        </p>
      </form>
    </section>
  );
}
