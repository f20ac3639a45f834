// What needs doing, above a company's waybill list: as the carrier, the
// waybills to accept and those on the road; as the consignee, the goods on
// their way and those announced. Each group is one small listing of the API
// (role and status filters, newest first) with a link to the whole filtered
// list; finished waybills are in the list below.
import { listWaybills } from "../api";
import { t, type MessageKey } from "../i18n";
import { Pending, useLoad } from "../load";
import { hrefWaybill, hrefWaybills } from "../router";
import type { Role, Status } from "../types";

const SHOWN = 5;

interface Group {
  title: MessageKey;
  role: Role;
  status: Status;
}

const GROUPS: Group[] = [
  { title: "work.toAccept", role: "carrier", status: "issued" },
  { title: "work.onTheRoad", role: "carrier", status: "in_transit" },
  { title: "work.incoming", role: "consignee", status: "in_transit" },
  { title: "work.announced", role: "consignee", status: "issued" },
];

function WorkGroup(props: { group: Group }) {
  const { role, status, title } = props.group;
  const [page, retry] = useLoad(() => listWaybills({ role, status, limit: SHOWN }), [role, status]);
  const id = `work-${role}-${status}`;
  return (
    <section aria-labelledby={id} class="work-group">
      <h3 id={id}>{t(title)}</h3>
      <Pending loaded={page} retry={retry}>
        {(found) =>
          found.items.length === 0 ? (
            <p class="muted">{t("work.none")}</p>
          ) : (
            <>
              <ul class="plain">
                {found.items.map((w) => (
                  <li key={w.id}>
                    <a href={hrefWaybill(w.id)}>{w.number}</a> <span class="plate">{w.vehicle_plate}</span>{" "}
                    <span class="muted">{role === "carrier" ? w.consignee.name : w.consignor.name}</span>
                  </li>
                ))}
              </ul>
              {found.next_cursor && (
                <p>
                  <a href={hrefWaybills(new URLSearchParams({ role, status }))}>{t("work.all")}</a>
                </p>
              )}
            </>
          )
        }
      </Pending>
    </section>
  );
}

export function Work() {
  return (
    <section aria-labelledby="work-title" class="work">
      <h2 id="work-title">{t("work.title")}</h2>
      <div class="work-groups">
        {GROUPS.map((group) => (
          <WorkGroup key={group.title} group={group} />
        ))}
      </div>
    </section>
  );
}
