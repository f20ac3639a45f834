// The act forms on a waybill's page, shown to the party that may act now
// (src/domain/lifecycle.rs): the carrier accepts (with reservations per line
// or overall), declines or changes the vehicle; the consignee accepts the
// goods (received quantity per line, a note) or rejects them; the consignor
// cancels. Each form is signed in the browser and sent.

import { useState } from "preact/hooks";
import { currentKey } from "../api";
import { act, type ActType } from "../acts";
import { Field, focusFirst, Group, parseDecimal, problemsOf, Summary, typedDecimal, type Problems } from "../fields";
import { t, type MessageKey } from "../i18n";
import { sameNumber } from "../money";
import { hrefCorrect, hrefNew } from "../router";
import type { Party, Role, Status, WaybillState } from "../types";

/** Which acts each status allows (lifecycle::allowed_acts), less correction. */
const ALLOWED: Record<Status, ActType[]> = {
  issued: ["carrier.accept", "carrier.decline", "consignor.cancel"],
  declined: ["consignor.cancel"],
  in_transit: ["carrier.change_vehicle", "consignee.accept", "consignee.reject"],
  cancelled: [],
  delivered: [],
  partially_accepted: [],
  rejected: [],
};

const BUTTON: Record<string, MessageKey> = {
  "carrier.accept": "form.act.accept",
  "carrier.decline": "form.act.decline",
  "carrier.change_vehicle": "form.act.changeVehicle",
  "consignee.accept": "form.act.acceptGoods",
  "consignee.reject": "form.act.reject",
  "consignor.cancel": "form.act.cancel",
};

function rolesOf(party: Party, state: WaybillState): Role[] {
  const doc = state.document;
  return (["consignor", "carrier", "consignee"] as const).filter(
    (role) => doc[role].reg_no === party.reg_no && doc[role].country === party.country,
  );
}

export function WaybillActs(props: { state: WaybillState; party: Party; onDone: () => void }) {
  const roles = rolesOf(props.party, props.state);
  const acts = ALLOWED[props.state.status].filter((type) => roles.includes(type.split(".")[0] as Role));
  const [open, setOpen] = useState<ActType | undefined>();
  const consignor = roles.includes("consignor");
  const correctable = consignor && (props.state.status === "issued" || props.state.status === "declined");
  if (props.party.kind !== "company" || (acts.length === 0 && !consignor)) return null;
  return (
    <section aria-labelledby="acts-title" class="acts no-print">
      <h2 id="acts-title">{t("form.act.title")}</h2>
      <p class="act-buttons">
        {acts.map((type) => {
          const label = BUTTON[type];
          return (
            label && (
              <button
                type="button"
                class={open === type ? "" : "secondary"}
                aria-expanded={open === type}
                aria-controls={open === type ? "act-form" : undefined}
                onClick={() => setOpen(open === type ? undefined : type)}
              >
                {t(label)}
              </button>
            )
          );
        })}
      </p>
      {consignor && (
        <p class="act-buttons">
          {correctable && <a href={hrefCorrect(props.state.id)}>{t("form.act.correct")}</a>}
          <a href={hrefNew(props.state.id)}>{t("form.act.copy")}</a>
        </p>
      )}
      {open && <ActForm key={open} type={open} state={props.state} onDone={props.onDone} />}
    </section>
  );
}

interface ActDraft {
  texts: Record<string, string>;
}

function initial(type: ActType, state: WaybillState): ActDraft {
  const texts: Record<string, string> = {};
  if (type === "consignee.accept") {
    state.document.lines.forEach((line, i) => (texts[`lines[${i}].received_quantity`] = typedDecimal(line.quantity)));
  }
  if (type === "carrier.change_vehicle") {
    texts["vehicle_plate"] = state.transport.vehicle_plate;
    texts["vehicle_country"] = state.transport.vehicle_country;
    texts["trailer_plate"] = state.transport.trailer_plate ?? "";
    texts["driver_name"] = state.transport.driver_name ?? "";
  }
  return { texts };
}

const trimmed = (text: string | undefined) => (text && text.trim() !== "" ? text.trim() : undefined);

/**
 * The act's body from the form, or the problems that stop it being built.
 * Where the body leaves lines out (a line without reservation, a line
 * received in full), `formPath` turns the path of a server problem in the
 * body (`reservations[0].note`) into the field it came from
 * (`reservations.1`, line 2's field), so the problem shows next to it.
 */
function bodyOf(
  type: ActType,
  state: WaybillState,
  texts: Record<string, string>,
): { body?: unknown; problems: Problems; formPath?: (bodyPath: string) => string } {
  const problems: Problems = {};
  const lines = state.document.lines;
  switch (type) {
    case "carrier.accept": {
      const reservations: { line_no?: number; note: string }[] = [];
      const fieldOf: string[] = [];
      lines.forEach((line, i) => {
        const note = trimmed(texts[`reservations.${i}`]);
        if (note) {
          reservations.push({ line_no: line.line_no, note });
          fieldOf.push(`reservations.${i}`);
        }
      });
      const overall = trimmed(texts["reservations.overall"]);
      if (overall) {
        reservations.push({ note: overall });
        fieldOf.push("reservations.overall");
      }
      const formPath = (path: string) => fieldOf[Number(/^reservations\[(\d+)\]/.exec(path)?.[1] ?? NaN)] ?? path;
      return { body: { reservations }, problems, formPath };
    }
    case "carrier.decline":
    case "consignee.reject":
    case "consignor.cancel": {
      const reason = trimmed(texts["reason"]);
      if (!reason) problems["reason"] = t("form.problem.required");
      return reason ? { body: { reason }, problems } : { problems };
    }
    case "carrier.change_vehicle": {
      const plate = trimmed(texts["vehicle_plate"]);
      if (!plate) problems["vehicle_plate"] = t("form.problem.required");
      const body = {
        vehicle_plate: plate ?? "",
        vehicle_country: (trimmed(texts["vehicle_country"]) ?? "").toUpperCase(),
        trailer_plate: trimmed(texts["trailer_plate"]),
        driver_name: trimmed(texts["driver_name"]),
        reason: trimmed(texts["reason"]),
      };
      return plate ? { body: JSON.parse(JSON.stringify(body)) as unknown, problems } : { problems };
    }
    case "consignee.accept": {
      const received: { line_no: number; received_quantity: string; note?: string }[] = [];
      const lineOf: number[] = [];
      lines.forEach((line, i) => {
        const path = `lines[${i}].received_quantity`;
        const quantity = parseDecimal(texts[path] ?? "");
        const note = trimmed(texts[`lines[${i}].note`]);
        if (quantity === undefined) {
          problems[path] = t("form.notNumber", { example: typedDecimal("12.5") });
        } else if (!sameNumber(quantity, line.quantity) || note) {
          received.push({ line_no: line.line_no, received_quantity: quantity, ...(note ? { note } : {}) });
          lineOf.push(i);
        }
      });
      const note = trimmed(texts["note"]);
      if (Object.keys(problems).length) return { problems };
      const formPath = (path: string) => {
        const [, index, rest] = /^lines\[(\d+)\](.*)$/.exec(path) ?? [];
        const line = lineOf[Number(index ?? NaN)];
        return line === undefined ? path : `lines[${line}]${rest === ".line_no" ? ".received_quantity" : rest}`;
      };
      return { body: { lines: received, ...(note ? { note } : {}) }, problems, formPath };
    }
    default:
      return { problems };
  }
}

function ActForm(props: { type: ActType; state: WaybillState; onDone: () => void }) {
  const { type, state } = props;
  const form = `act-${type.replace(".", "-")}`;
  const [texts, setTexts] = useState(() => initial(type, state).texts);
  const [problems, setProblems] = useState<Problems>({});
  const [summary, setSummary] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const title = t(BUTTON[type] ?? "form.act.title");

  const field = (path: string, label: string, extra: { multiline?: boolean; inputMode?: "decimal"; maxLength?: number } = {}) => (
    <Field
      form={form}
      path={path}
      label={label}
      value={texts[path] ?? ""}
      onInput={(value) => setTexts((x) => ({ ...x, [path]: value }))}
      problems={problems}
      {...extra}
    />
  );

  async function submit(event: Event) {
    event.preventDefault();
    const key = currentKey();
    const built = bodyOf(type, state, texts);
    if (built.body === undefined || !key) {
      setProblems(built.problems);
      setSummary(t("form.problems", { count: Object.keys(built.problems).length }));
      focusFirst(form, Object.keys(built.problems));
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      await act(key, state, type, built.body);
      props.onDone();
    } catch (error) {
      const { fields, summary: words } = problemsOf(error, (path) => document.getElementById(`${form}-${path}`) !== null, built.formPath);
      setProblems(fields);
      setSummary(words);
      focusFirst(form, Object.keys(fields));
      setBusy(false);
    }
  }

  const lines = state.document.lines;
  return (
    <form id="act-form" class="act-form stack" onSubmit={submit} noValidate aria-labelledby={`${form}-title`}>
      <h3 id={`${form}-title`}>{title}</h3>
      {type === "carrier.accept" && (
        <>
          <p class="hint">{t("form.act.reservationsHint")}</p>
          {lines.map((line, i) => (
            <Group legend={t("form.line", { n: line.line_no })}>
              <p class="hint">{line.description}</p>
              {field(`reservations.${i}`, t("form.act.reservation"), { multiline: true })}
            </Group>
          ))}
          <Group legend={t("form.act.overall")}>{field("reservations.overall", t("form.act.reservation"), { multiline: true })}</Group>
        </>
      )}
      {(type === "carrier.decline" || type === "consignee.reject" || type === "consignor.cancel") &&
        field("reason", t("form.act.reason"), { multiline: true, maxLength: 1000 })}
      {type === "carrier.change_vehicle" && (
        <Group legend={t("form.transport")} class="grid">
          {field("vehicle_plate", t("form.vehiclePlate"))}
          {field("vehicle_country", t("form.vehicleCountry"), { maxLength: 2 })}
          {field("trailer_plate", t("form.trailerPlate"))}
          {field("driver_name", t("form.driver"))}
          {field("reason", t("form.act.reason"), { multiline: true, maxLength: 1000 })}
        </Group>
      )}
      {type === "consignee.accept" && (
        <>
          <p class="hint">{t("form.act.receivedHint")}</p>
          {lines.map((line, i) => (
            <Group legend={t("form.line", { n: line.line_no })} class="grid">
              <p class="hint">
                {line.description} ({t("form.act.shipped", { quantity: typedDecimal(line.quantity), unit: line.unit })})
              </p>
              {field(`lines[${i}].received_quantity`, t("form.act.received"), { inputMode: "decimal" })}
              {field(`lines[${i}].note`, t("form.act.lineNote"))}
            </Group>
          ))}
          {field("note", t("form.act.note"), { multiline: true })}
        </>
      )}
      <Summary text={summary} tone="error" />
      <p>
        <button type="submit" disabled={busy}>
          {t("form.act.send")}
        </button>
      </p>
    </form>
  );
}
