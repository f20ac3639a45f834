// The access audit trail for oversight (and the operator): every read and
// search by an authority, newest first, page by page (`before` = the last
// record's id).

import { dateTime } from "../format";
import { isMessageKey, t } from "../i18n";
import { Pending, useLoad } from "../load";
import { PageTitle, TITLE_ID } from "../title";
import { accessTrail } from "./api";
import { Pager, useCursors } from "./pager";

const PAGE_SIZE = 50;

function actionName(action: string): string {
  const key = `inspect.audit.action.${action}`;
  return isMessageKey(key) ? t(key) : action;
}

export function Audit() {
  const pager = useCursors("");
  const [page, retry] = useLoad(() => accessTrail(pager.cursor, PAGE_SIZE), [pager.cursor]);
  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("inspect.audit.title")}</PageTitle>
      <p class="muted">{t("inspect.audit.intro")}</p>
      <Pending loaded={page} retry={retry}>
        {(records) => (
          <>
            {records.length === 0 ? (
              <p role="status">{t("inspect.audit.empty")}</p>
            ) : (
              <div class="table-scroll">
                <table class="audit">
                  <caption>{t("inspect.audit.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("inspect.audit.at")}</th>
                      <th scope="col">{t("inspect.audit.action")}</th>
                      <th scope="col">{t("inspect.audit.party")}</th>
                      <th scope="col">{t("inspect.audit.key")}</th>
                      <th scope="col">{t("inspect.audit.waybill")}</th>
                      <th scope="col" class="num">
                        {t("inspect.audit.results")}
                      </th>
                      <th scope="col">{t("inspect.audit.query")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {records.map((r) => (
                      <tr key={r.id}>
                        <td>
                          <time dateTime={r.at}>{dateTime(r.at)}</time>
                        </td>
                        <th scope="row">{actionName(r.action)}</th>
                        <td>
                          <code class="key-id">{r.party_id}</code>
                        </td>
                        <td>
                          <code class="key-id">{r.key_id}</code>
                        </td>
                        <td>{r.waybill_id ? <code class="key-id">{r.waybill_id}</code> : t("common.none")}</td>
                        <td class="num">{r.result_count ?? t("common.none")}</td>
                        <td>{r.query ? <code class="query">{r.query}</code> : t("common.none")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager pager={pager} next={records.length === PAGE_SIZE ? records[records.length - 1]?.id : undefined} />
          </>
        )}
      </Pending>
    </section>
  );
}
