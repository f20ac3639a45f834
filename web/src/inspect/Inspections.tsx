// On a waybill's page, for authorities: the inspections recorded of the
// shipment and `Record inspection`, whose form sends
// POST /v1/inspect/shipments/{id}/inspections with the stop's selection
// and assessment as the inspector came to it (risk list or search hit).

import { useState } from "preact/hooks";
import { ApiProblem } from "../api";
import { describe } from "../errors";
import { dateTime, money } from "../format";
import { t } from "../i18n";
import { Pending, useLoad } from "../load";
import { inspections, recordInspection } from "./api";
import { originOf } from "./stop";
import { CATEGORIES, OUTCOMES, type Category, type InspectionRequest, type InspectionView, type Outcome } from "./types";

export function Inspections(props: { id: string }) {
  const [list, retry] = useLoad(() => inspections(props.id), [props.id]);
  const [open, setOpen] = useState(false);
  return (
    <section aria-labelledby="inspections-title" class="inspections">
      <h2 id="inspections-title">{t("inspect.record.title")}</h2>
      <Pending loaded={list} retry={retry}>
        {(found) => <Recorded list={found} />}
      </Pending>
      {open ? (
        <RecordForm
          id={props.id}
          onDone={() => {
            setOpen(false);
            retry();
          }}
          onCancel={() => setOpen(false)}
        />
      ) : (
        <button type="button" onClick={() => setOpen(true)}>
          {t("inspect.record.open")}
        </button>
      )}
    </section>
  );
}

function Recorded(props: { list: InspectionView[] }) {
  if (props.list.length === 0) return <p class="muted">{t("inspect.record.none")}</p>;
  return (
    <ul class="recorded">
      {props.list.map((i) => (
        <li key={i.id}>
          <time dateTime={i.inspected_at}>{dateTime(i.inspected_at)}</time>: <strong>{t(`inspect.record.outcome.${i.outcome}`)}</strong>
          {i.category && <> ({t(`inspect.record.category.${i.category}`)})</>}
          {i.amount_at_stake && i.currency && <> · {money(i.amount_at_stake, i.currency)}</>}
          {" · "}
          {t(`inspect.record.selection.${i.selection}`)}
          {i.note && <p class="note">{i.note}</p>}
        </li>
      ))}
    </ul>
  );
}

const AMOUNT = /^\d+(?:[.,]\d+)?$/;

function RecordForm(props: { id: string; onDone: () => void; onCancel: () => void }) {
  const [outcome, setOutcome] = useState<Outcome>("no_irregularity");
  const [failure, setFailure] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const origin = originOf(props.id);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value.trim() : "";
    };
    const body: InspectionRequest = { outcome, selection: origin.selection };
    if (origin.assessment_id) body.assessment_id = origin.assessment_id;
    if (origin.selection_probability) body.selection_probability = origin.selection_probability;
    const note = text("note");
    if (note) body.note = note;
    if (outcome === "irregularity") {
      const category = CATEGORIES.find((c) => c === text("category"));
      if (category) body.category = category;
      const amount = text("amount");
      if (amount) {
        if (!AMOUNT.test(amount)) {
          setFailure(t("inspect.record.badAmount"));
          return;
        }
        // A decimal string stays a string: only the separator changes.
        body.amount_at_stake = amount.replace(",", ".");
        body.currency = text("currency").toUpperCase();
      }
    }
    setBusy(true);
    setFailure(undefined);
    try {
      await recordInspection(props.id, body);
      props.onDone();
    } catch (e) {
      const fields = e instanceof ApiProblem ? (e.problem.errors ?? []) : [];
      setFailure(fields.length ? fields.map((f) => `${f.path}: ${f.message}`).join("; ") : describe(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stack record" onSubmit={submit}>
      <fieldset>
        <legend>{t("inspect.record.open")}</legend>
        <div class="field">
          <label for="record-outcome">{t("inspect.record.outcome")}</label>
          <select
            id="record-outcome"
            value={outcome}
            onChange={(e) => setOutcome(OUTCOMES.find((o) => o === e.currentTarget.value) ?? "no_irregularity")}
          >
            {OUTCOMES.map((o) => (
              <option value={o}>{t(`inspect.record.outcome.${o}`)}</option>
            ))}
          </select>
        </div>
        {outcome === "irregularity" && (
          <>
            <div class="field">
              <label for="record-category">{t("inspect.record.category")}</label>
              <select id="record-category" name="category" required>
                {CATEGORIES.map((c: Category) => (
                  <option value={c}>{t(`inspect.record.category.${c}`)}</option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="record-amount">{t("inspect.record.amount")}</label>
              <input id="record-amount" name="amount" inputMode="decimal" />
            </div>
            <div class="field">
              <label for="record-currency">{t("inspect.record.currency")}</label>
              <input id="record-currency" name="currency" value="EUR" maxLength={3} />
            </div>
          </>
        )}
        <div class="field">
          <label for="record-note">{t("inspect.record.note")}</label>
          <textarea id="record-note" name="note" rows={3} maxLength={2000} />
        </div>
        <p class="hint">{t(`inspect.record.selection.${origin.selection}`)}</p>
        <div role="alert" class="error" hidden={!failure}>
          {failure}
        </div>
        <button type="submit" disabled={busy}>
          {t("inspect.record.save")}
        </button>{" "}
        <button type="button" onClick={props.onCancel}>
          {t("inspect.record.cancel")}
        </button>
      </fieldset>
    </form>
  );
}
