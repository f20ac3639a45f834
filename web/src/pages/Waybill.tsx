import { ApiProblem, events, signingKeys, waybill } from "../api";
import { describe } from "../errors";
import { calendarDate, dateTime, decimal, money } from "../format";
import { isMessageKey, t } from "../i18n";
import { Pending, useLoad } from "../load";
import { hrefWaybills } from "../router";
import type { EventView, KeyView, Place, Role, WaybillDocument, WaybillState } from "../types";
import { PageTitle, TITLE_ID } from "../title";
import type { Party } from "../types";
import { WaybillActs } from "./WaybillActs";
import { useLive, useVerdicts, Verdict, VerdictSummary } from "../verification";
import { RoadsideQr } from "../show/qr";

interface Loaded {
  state: WaybillState;
  events: EventView[];
  keys: KeyView[];
}

async function load(id: string): Promise<Loaded> {
  const [state, chain, keys] = await Promise.all([waybill(id), events(id), signingKeys(id)]);
  return { state, events: chain, keys };
}

function notFound(error: unknown): string {
  return error instanceof ApiProblem && error.status === 404 ? t("waybill.notFound") : describe(error);
}

export function Waybill(props: { id: string; party: Party }) {
  const [loaded, retry] = useLoad(() => load(props.id), [props.id]);
  return (
    <section aria-labelledby={TITLE_ID}>
      <p class="no-print">
        <a href={hrefWaybills()}>{t("waybill.back")}</a>
      </p>
      <Pending loaded={loaded} retry={retry} describeError={notFound}>
        {(found) => <WaybillView id={props.id} initial={found} party={props.party} onChanged={retry} />}
      </Pending>
    </section>
  );
}

function WaybillView(props: { id: string; initial: Loaded; party: Party; onChanged: () => void }) {
  const { state, events: chain, keys } = useLive(props.id, props.initial, () => load(props.id));
  const { party, onChanged } = props;
  const doc = state.document;
  return (
    <>
      <PageTitle>{t("waybill.title", { number: doc.number })}</PageTitle>
      <dl class="facts">
        <dt>{t("waybill.status")}</dt>
        <dd>
          <span class={`status status-${state.status}`}>{t(`status.${state.status}`)}</span>
        </dd>
        {state.reason && (
          <>
            <dt>{t("waybill.reason")}</dt>
            <dd>{state.reason}</dd>
          </>
        )}
        <dt>{t("waybill.issueDate")}</dt>
        <dd>{calendarDate(doc.issue_date)}</dd>
        <dt>{t("waybill.transactionType")}</dt>
        <dd>{transactionType(doc.transaction_type)}</dd>
        <dt>{t("waybill.updatedAt")}</dt>
        <dd>{dateTime(state.updated_at)}</dd>
      </dl>
      <Parties doc={doc} />
      <section aria-labelledby="route-title">
        <h2 id="route-title">{t("waybill.route")}</h2>
        <div class="columns">
          <PlaceView title={t("waybill.loading")} place={doc.loading} />
          <PlaceView title={t("waybill.unloading")} place={doc.unloading} />
        </div>
      </section>
      <section aria-labelledby="transport-title">
        <h2 id="transport-title">{t("waybill.transport")}</h2>
        <dl class="facts">
          <dt>{t("waybill.vehiclePlate")}</dt>
          <dd class="plate">{state.transport.vehicle_plate}</dd>
          <dt>{t("waybill.vehicleCountry")}</dt>
          <dd>{state.transport.vehicle_country}</dd>
          <dt>{t("waybill.trailerPlate")}</dt>
          <dd>{state.transport.trailer_plate ?? t("common.none")}</dd>
          <dt>{t("waybill.driver")}</dt>
          <dd>{state.transport.driver_name ?? t("common.none")}</dd>
        </dl>
      </section>
      <Goods doc={doc} />
      <RoadsideQr id={props.id} head={state.head} doc={doc} party={party} />
      <WaybillActs state={state} party={party} onDone={onChanged} />
      <History id={props.id} doc={doc} chain={chain} keys={keys} />
    </>
  );
}

function Parties({ doc }: { doc: WaybillDocument }) {
  const roles: Role[] = ["consignor", "carrier", "consignee"];
  return (
    <section aria-labelledby="parties-title">
      <h2 id="parties-title">{t("waybill.parties")}</h2>
      <div class="columns">
        {roles.map((role) => (
          <div class="card">
            <h3>{t(`role.${role}`)}</h3>
            <p>
              {doc[role].name}
              <br />
              {doc[role].country} {doc[role].reg_no}
              {doc[role].address && (
                <>
                  <br />
                  {doc[role].address}
                </>
              )}
            </p>
          </div>
        ))}
      </div>
    </section>
  );
}

function PlaceView({ title, place }: { title: string; place: Place }) {
  const a = place.address;
  return (
    <div class="card">
      <h3>{title}</h3>
      <p>
        {a.line}
        <br />
        {[a.postal_code, a.city].filter(Boolean).join(" ")}, {a.country}
      </p>
      <p>
        {t("waybill.plannedAt")}: {dateTime(place.planned_at)}
      </p>
    </div>
  );
}

function Goods({ doc }: { doc: WaybillDocument }) {
  return (
    <section aria-labelledby="goods-title">
      <h2 id="goods-title">{t("waybill.goods")}</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("waybill.line")}</th>
              <th scope="col">{t("waybill.description")}</th>
              <th scope="col">{t("waybill.cnCode")}</th>
              <th scope="col" class="num">
                {t("waybill.quantity")}
              </th>
              <th scope="col">{t("waybill.unit")}</th>
              <th scope="col" class="num">
                {t("waybill.grossWeight")}
              </th>
              <th scope="col" class="num">
                {t("waybill.unitPrice")}
              </th>
              <th scope="col" class="num">
                {t("waybill.vatRate")}
              </th>
              <th scope="col" class="num">
                {t("waybill.amount")}
              </th>
            </tr>
          </thead>
          <tbody>
            {doc.lines.map((line) => (
              <tr key={line.line_no}>
                <th scope="row">{line.line_no}</th>
                <td>{line.description}</td>
                <td>{line.cn_code ?? t("common.none")}</td>
                <td class="num">{decimal(line.quantity)}</td>
                <td>{line.unit}</td>
                <td class="num">{decimal(line.gross_weight_kg)}</td>
                <td class="num">{decimal(line.unit_price)}</td>
                <td class="num">{decimal(line.vat_rate)}</td>
                <td class="num">{money(line.amount, doc.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="facts totals">
        <dt>{t("waybill.net")}</dt>
        <dd class="num">{money(doc.totals.net_amount, doc.currency)}</dd>
        <dt>{t("waybill.vat")}</dt>
        <dd class="num">{money(doc.totals.vat_amount, doc.currency)}</dd>
        <dt>{t("waybill.gross")}</dt>
        <dd class="num">{money(doc.totals.gross_amount, doc.currency)}</dd>
        <dt>{t("waybill.totalWeight")}</dt>
        <dd class="num">{decimal(doc.totals.gross_weight_kg)}</dd>
      </dl>
    </section>
  );
}

/** The signer of an act: its role comes from the act type, the name from the document. */
function signer(doc: WaybillDocument, actType: string): string {
  const role = actType.split(".")[0];
  if (role === "consignor" || role === "carrier" || role === "consignee") {
    return t("history.party", { role: t(`role.${role}`), name: doc[role].name });
  }
  return t("role.authority");
}

function transactionType(value: string): string {
  const key = `transaction.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

function actName(actType: string): string {
  const key = `act.${actType}`;
  return isMessageKey(key) ? t(key) : t("act.unknown", { type: actType });
}

function History({ id, doc, chain, keys }: { id: string; doc: WaybillDocument; chain: EventView[]; keys: KeyView[] }) {
  const labels = new Map(keys.map((k) => [k.key_id, k.label]));
  const verdicts = useVerdicts(id, chain, keys);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{t("history.title")}</h2>
      <VerdictSummary verdicts={verdicts} />
      <div class="table-scroll">
        <table class="history">
          <caption>{t("history.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("history.when")}</th>
              <th scope="col">{t("history.who")}</th>
              <th scope="col">{t("history.what")}</th>
              <th scope="col">{t("history.keyId")}</th>
              <th scope="col">{t("history.logIndex")}</th>
              <th scope="col">{t("verify.column")}</th>
            </tr>
          </thead>
          <tbody>
            {chain.map((event, i) => (
              <tr key={event.hash}>
                <td>
                  <time dateTime={event.act.signed_at}>{dateTime(event.act.signed_at)}</time>
                </td>
                <td>{signer(doc, event.act.type)}</td>
                <th scope="row">{actName(event.act.type)}</th>
                <td>
                  <code class="key-id">{event.act.key_id}</code>
                  {labels.get(event.act.key_id) && <span class="hint"> ({labels.get(event.act.key_id)})</span>}
                </td>
                <td class="num">{event.log_index}</td>
                <td>
                  <Verdict verdict={verdicts?.[i]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
