import { useState } from "preact/hooks";
import { listWaybills } from "../api";
import { calendarDate, dateTime } from "../format";
import { t } from "../i18n";
import { Pending, useLoad } from "../load";
import { hrefWaybill, hrefWaybills } from "../router";
import { ROLES, STATUSES, type Party, type Role, type Status } from "../types";
import { PageTitle, TITLE_ID } from "../title";
import { Work } from "./Work";

const PAGE_SIZE = 20;

/** A filter select: "Any" or one of the options, submitted as `name`. */
function Choice(props: { name: string; label: string; value: string | undefined; options: [string, string][] }) {
  const id = `filter-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value ?? ""}>
        <option value="">{t("list.any")}</option>
        {props.options.map(([value, label]) => (
          <option value={value}>{label}</option>
        ))}
      </select>
    </div>
  );
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

/**
 * The caller's waybills (for an authority every waybill, its reads
 * audited), newest first, filtered by status (and, for a company, by its
 * role); the filters live in the URL, so the back button and a shared link
 * show the same list. Pages follow the API's cursors. Other kinds of party
 * read no waybills and are told so.
 */
export function Waybills(props: { party: Party; query: URLSearchParams }) {
  if (props.party.kind !== "company" && props.party.kind !== "authority") {
    return (
      <section aria-labelledby={TITLE_ID}>
        <PageTitle>{t("list.title")}</PageTitle>
        <p>{t("list.notForKind")}</p>
      </section>
    );
  }
  return <WaybillList party={props.party} query={props.query} />;
}

function WaybillList(props: { party: Party; query: URLSearchParams }) {
  const status = oneOf<Status>(STATUSES, props.query.get("status"));
  const role = props.party.kind === "company" ? oneOf<Role>(ROLES, props.query.get("role")) : undefined;
  // The cursors of the pages before this one (the first page has none).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [filterKey, setFilterKey] = useState(`${status}|${role}`);
  if (filterKey !== `${status}|${role}`) {
    setFilterKey(`${status}|${role}`);
    setCursors([undefined]);
  }
  const cursor = cursors[cursors.length - 1];
  const [page, retry] = useLoad(
    () => {
      const filter: Parameters<typeof listWaybills>[0] = { limit: PAGE_SIZE };
      if (status) filter.status = status;
      if (role) filter.role = role;
      if (cursor) filter.cursor = cursor;
      return listWaybills(filter);
    },
    [status, role, cursor],
  );

  function applyFilters(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query = new URLSearchParams();
    for (const name of ["status", "role"]) {
      const value = form.get(name);
      if (typeof value === "string" && value) query.set(name, value);
    }
    location.hash = hrefWaybills(query);
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("list.title")}</PageTitle>
      {props.party.kind === "company" && !status && !role && cursors.length === 1 && <Work />}
      <form class="filters" onSubmit={applyFilters} key={`${status}|${role}`}>
        <fieldset>
          <legend>{t("list.filters")}</legend>
          <Choice name="status" label={t("list.status")} value={status} options={STATUSES.map((s) => [s, t(`status.${s}`)])} />
          {props.party.kind === "company" && (
            <Choice name="role" label={t("list.role")} value={role} options={ROLES.map((r) => [r, t(`role.${r}`)])} />
          )}
          <button type="submit">{t("list.apply")}</button>
        </fieldset>
      </form>
      <Pending loaded={page} retry={retry}>
        {(found) => (
          <>
            {found.items.length === 0 ? (
              <p role="status">{t("list.empty")}</p>
            ) : (
              <div class="table-scroll">
                <table>
                  <caption>{t("list.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("list.number")}</th>
                      <th scope="col">{t("list.status")}</th>
                      <th scope="col">{t("list.issueDate")}</th>
                      <th scope="col">{t("list.consignor")}</th>
                      <th scope="col">{t("list.carrier")}</th>
                      <th scope="col">{t("list.consignee")}</th>
                      <th scope="col">{t("list.vehicle")}</th>
                      <th scope="col">{t("list.updated")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {found.items.map((w) => (
                      <tr key={w.id}>
                        <th scope="row">
                          <a href={hrefWaybill(w.id)}>{w.number}</a>
                        </th>
                        <td>
                          <span class={`status status-${w.status}`}>{t(`status.${w.status}`)}</span>
                        </td>
                        <td>{calendarDate(w.issue_date)}</td>
                        <td>{w.consignor.name}</td>
                        <td>{w.carrier.name}</td>
                        <td>{w.consignee.name}</td>
                        <td class="plate">{w.vehicle_plate}</td>
                        <td>{dateTime(w.updated_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav class="pager" aria-label={t("list.pages")}>
              <button
                type="button"
                disabled={cursors.length <= 1}
                onClick={() => setCursors((c) => c.slice(0, -1))}
              >
                {t("list.previous")}
              </button>
              <span>{t("list.page", { page: cursors.length })}</span>
              <button
                type="button"
                disabled={!found.next_cursor}
                onClick={() => setCursors((c) => [...c, found.next_cursor])}
              >
                {t("list.next")}
              </button>
            </nav>
          </>
        )}
      </Pending>
    </section>
  );
}
