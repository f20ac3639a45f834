// The inspector's search: a truck by its plate as typed at the roadside
// (the server ignores spacing and case and folds look-alike letters), or
// by party, CN prefix, issue dates and excise goods. The filters live in
// the URL; each hit links to its waybill page (an audited API read) and
// shows its brief risk, whose assessment a recorded stop then names.

import { calendarDate } from "../format";
import { t } from "../i18n";
import { Pending, useLoad } from "../load";
import { hrefInspect, hrefWaybill } from "../router";
import { PageTitle, TITLE_ID } from "../title";
import { searchShipments } from "./api";
import { Pager, useCursors } from "./pager";
import { Score } from "./risk";
import { rememberOrigin } from "./stop";
import type { ShipmentHit } from "./types";

const TEXT_FILTERS = ["plate", "party", "cn", "issued_from", "issued_to"] as const;

function Field(props: { name: string; label: string; value: string | null; type?: "text" | "date"; hint?: string }) {
  const id = `inspect-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.type === "date" ? (
        <input id={id} name={props.name} type="date" value={props.value ?? ""} />
      ) : (
        <input id={id} name={props.name} type="text" value={props.value ?? ""} aria-describedby={props.hint ? `${id}-hint` : undefined} />
      )}
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function Inspect(props: { query: URLSearchParams }) {
  const filters = new URLSearchParams();
  for (const name of [...TEXT_FILTERS, "excise"]) {
    const value = props.query.get(name);
    if (value) filters.set(name, value);
  }
  const searched = filters.toString();
  const pager = useCursors(searched);

  function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query = new URLSearchParams();
    for (const name of TEXT_FILTERS) {
      const value = form.get(name);
      if (typeof value === "string" && value.trim()) query.set(name, value.trim());
    }
    if (form.get("excise")) query.set("excise", "true");
    // The same search again is a fresh search (new scores, a new audit record).
    location.hash = hrefInspect(query);
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("inspect.title")}</PageTitle>
      <form class="filters" onSubmit={submit} key={searched} role="search">
        <fieldset>
          <legend>{t("inspect.filters")}</legend>
          <Field name="plate" label={t("inspect.plate")} value={props.query.get("plate")} hint={t("inspect.plateHint")} />
          <Field name="party" label={t("inspect.party")} value={props.query.get("party")} />
          <Field name="cn" label={t("inspect.cn")} value={props.query.get("cn")} />
          <Field name="issued_from" type="date" label={t("inspect.issuedFrom")} value={props.query.get("issued_from")} />
          <Field name="issued_to" type="date" label={t("inspect.issuedTo")} value={props.query.get("issued_to")} />
          <div class="field check">
            <input id="inspect-excise" type="checkbox" name="excise" checked={props.query.get("excise") === "true"} />
            <label for="inspect-excise">{t("inspect.excise")}</label>
          </div>
          <button type="submit">{t("inspect.search")}</button>
        </fieldset>
      </form>
      {searched ? <Results filters={filters} pager={pager} /> : <p class="muted">{t("inspect.prompt")}</p>}
    </section>
  );
}

function Results(props: { filters: URLSearchParams; pager: ReturnType<typeof useCursors> }) {
  const { cursor } = props.pager;
  const [page, retry] = useLoad(() => {
    const query = new URLSearchParams(props.filters);
    if (cursor) query.set("cursor", cursor);
    return searchShipments(query);
  }, [props.filters.toString(), cursor]);
  return (
    <Pending loaded={page} retry={retry}>
      {(found) => (
        <>
          {found.items.length === 0 ? (
            <p role="status">{t("inspect.none")}</p>
          ) : (
            <>
              <p role="status" class="muted">
                {t("inspect.found", { count: found.items.length })}
              </p>
              <Hits hits={found.items} />
            </>
          )}
          <Pager pager={props.pager} next={found.next_cursor ?? undefined} />
        </>
      )}
    </Pending>
  );
}

function Hits(props: { hits: ShipmentHit[] }) {
  return (
    <div class="table-scroll">
      <table class="hits">
        <caption>{t("inspect.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("list.number")}</th>
            <th scope="col">{t("list.status")}</th>
            <th scope="col">{t("list.vehicle")}</th>
            <th scope="col">{t("list.issueDate")}</th>
            <th scope="col">{t("list.consignor")}</th>
            <th scope="col">{t("list.carrier")}</th>
            <th scope="col">{t("list.consignee")}</th>
            <th scope="col">{t("inspect.riskColumn")}</th>
          </tr>
        </thead>
        <tbody>
          {props.hits.map((w) => (
            <tr key={w.id}>
              <th scope="row">
                <a
                  href={hrefWaybill(w.id)}
                  onClick={() =>
                    rememberOrigin(w.id, w.risk ? { selection: "other", assessment_id: w.risk.assessment_id } : { selection: "other" })
                  }
                >
                  {w.number}
                </a>
              </th>
              <td>
                <span class={`status status-${w.status}`}>{t(`status.${w.status}`)}</span>
              </td>
              <td class="plate">{w.vehicle_plate}</td>
              <td>{calendarDate(w.issue_date)}</td>
              <td>{w.consignor.name}</td>
              <td>{w.carrier.name}</td>
              <td>{w.consignee.name}</td>
              <td>
                {w.risk ? (
                  <>
                    <Score score={w.risk.score} band={w.risk.band} />
                    {w.risk.top_reason && <span class="hint"> {w.risk.top_reason}</span>}
                  </>
                ) : (
                  <span class="muted">{t("inspect.unscored")}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
