// The risk list: the shipments on the road ranked by risk, with the
// random share that keeps the model honest, each item's reasons in plain
// words and the model's version. Opening an item remembers its selection
// and assessment for `Record inspection`.

import { dateTime } from "../format";
import { t } from "../i18n";
import { Pending, useLoad } from "../load";
import { hrefRisk, hrefWaybill } from "../router";
import { PageTitle, TITLE_ID } from "../title";
import { riskList } from "./api";
import { Reasons, Score } from "./risk";
import { rememberOrigin } from "./stop";

export function RiskList(props: { query: URLSearchParams }) {
  const cn = props.query.get("cn") ?? "";
  const excise = props.query.get("excise") === "true";
  const [list, retry] = useLoad(() => {
    const query = new URLSearchParams();
    if (cn) query.set("cn", cn);
    if (excise) query.set("excise", "true");
    return riskList(query);
  }, [cn, excise]);

  function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query = new URLSearchParams();
    const prefix = form.get("cn");
    if (typeof prefix === "string" && prefix.trim()) query.set("cn", prefix.trim());
    if (form.get("excise")) query.set("excise", "true");
    location.hash = hrefRisk(query);
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("inspect.risk.title")}</PageTitle>
      <form class="filters" onSubmit={submit} key={`${cn}|${excise}`}>
        <fieldset>
          <legend>{t("list.filters")}</legend>
          <div class="field">
            <label for="risk-cn">{t("inspect.cn")}</label>
            <input id="risk-cn" name="cn" value={cn} />
          </div>
          <div class="field check">
            <input id="risk-excise" type="checkbox" name="excise" checked={excise} />
            <label for="risk-excise">{t("inspect.excise")}</label>
          </div>
          <button type="submit">{t("list.apply")}</button>
        </fieldset>
      </form>
      <Pending loaded={list} retry={retry}>
        {(found) => (
          <>
            <p class="muted">
              {t("inspect.risk.about", {
                version: found.model_version,
                at: dateTime(found.generated_at),
                ranked: found.ranked,
                share: Math.round(found.random_share * 100),
              })}
            </p>
            {found.items.length === 0 ? (
              <p role="status">{t("inspect.risk.empty")}</p>
            ) : (
              <ol class="risk-list">
                {found.items.map((item) => (
                  <li key={item.assessment_id} class="card">
                    <h2>
                      <a
                        href={hrefWaybill(item.waybill.id)}
                        onClick={() =>
                          rememberOrigin(item.waybill.id, {
                            selection: item.selection,
                            assessment_id: item.assessment_id,
                            selection_probability: item.selection_probability,
                          })
                        }
                      >
                        {item.waybill.number}
                      </a>{" "}
                      <Score score={item.score} band={item.band} />
                    </h2>
                    <p>
                      <span class="plate">{item.waybill.vehicle_plate}</span> · {item.waybill.consignor.name} →{" "}
                      {item.waybill.consignee.name} · {t(`inspect.risk.selection.${item.selection}`)}
                    </p>
                    <Reasons reasons={item.reasons} />
                    <p class="hint">{t("inspect.risk.model", { version: item.model_version })}</p>
                  </li>
                ))}
              </ol>
            )}
          </>
        )}
      </Pending>
    </section>
  );
}
