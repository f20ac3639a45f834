// The authority's and oversight's part of the shell: their navigation
// links, their pages by route, and the inspections on a waybill's page.

import { t } from "../i18n";
import { HREF_AUDIT, HREF_QR, hrefInspect, hrefRisk, type Route } from "../router";
import { PageTitle, TITLE_ID } from "../title";
import type { Party } from "../types";
import { Audit } from "./Audit";
import { Inspect } from "./Inspect";
import { Inspections } from "./Inspections";
import { QrCheck } from "./QrCheck";
import { RiskList } from "./RiskList";

const isAuthority = (party: Party) => party.kind === "authority";
/** Who reads the access audit trail (`GET /v1/audit/access`). */
const overseesAuthorities = (party: Party) => party.kind === "oversight" || party.kind === "operator";

function Link(props: { href: string; current: boolean; label: string }) {
  return (
    <li>
      <a href={props.href} aria-current={props.current ? "page" : undefined}>
        {props.label}
      </a>
    </li>
  );
}

export function AuthorityNav(props: { party: Party; route: Route }) {
  const page = props.route.page;
  if (isAuthority(props.party)) {
    return (
      <>
        <Link href={hrefInspect()} current={page === "inspect"} label={t("inspect.nav.inspect")} />
        <Link href={hrefRisk()} current={page === "risk"} label={t("inspect.nav.risk")} />
        <Link href={HREF_QR} current={page === "qr"} label={t("inspect.nav.qr")} />
      </>
    );
  }
  if (overseesAuthorities(props.party)) {
    return <Link href={HREF_AUDIT} current={page === "audit"} label={t("inspect.nav.audit")} />;
  }
  return null;
}

export function AuthorityPage(props: { route: Route; party: Party }) {
  const { route, party } = props;
  if (isAuthority(party)) {
    if (route.page === "inspect") return <Inspect query={route.query} />;
    if (route.page === "risk") return <RiskList query={route.query} />;
    if (route.page === "qr") return <QrCheck />;
  }
  if (route.page === "audit" && overseesAuthorities(party)) return <Audit />;
  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("inspect.forbidden")}</PageTitle>
      <p>{t("inspect.forbiddenDetail")}</p>
    </section>
  );
}

export function authorityOnWaybill(party: Party, id: string) {
  return isAuthority(party) ? <Inspections id={id} /> : null;
}
