// The ewaybill web app: a client of the public API, served at `/`.

import "./app.css";
import { render } from "preact";
import { useState } from "preact/hooks";
import { signOut } from "./api";
import { registerShell } from "./show/offline";
import { browserLanguage, LANGUAGES, language, setLanguage, t, type Language } from "./i18n";
import { useRoute, hrefWaybills, type Route } from "./router";
import { SignIn } from "./pages/SignIn";
import { Waybill } from "./pages/Waybill";
import { Waybills } from "./pages/Waybills";
import type { Party } from "./types";
import { PageTitle, TITLE_ID } from "./title";
import { AuthorityNav, AuthorityPage, authorityOnWaybill } from "./inspect/nav";
import { hrefNew } from "./router";
import { CorrectWaybill, NewWaybill } from "./pages/NewWaybill";
import { Keys } from "./pages/Keys";
import { HREF_KEYS } from "./router";

function LanguageSelect(props: { value: Language; onChange: (language: Language) => void }) {
  return (
    <div class="language">
      <label for="language">{t("lang.label")}</label>
      <select
        id="language"
        value={props.value}
        onChange={(e) => {
          const chosen = LANGUAGES.find((l) => l.code === e.currentTarget.value);
          if (chosen) props.onChange(chosen.code);
        }}
      >
        {LANGUAGES.map((l) => (
          <option value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function Page(props: { route: Route; party: Party }) {
  switch (props.route.page) {
    case "waybills":
      return <Waybills party={props.party} query={props.route.query} />;
    case "waybill":
      return (
        <>
          <Waybill id={props.route.id} party={props.party} />
          {authorityOnWaybill(props.party, props.route.id)}
        </>
      );
    case "new":
      return <NewWaybill key={props.route.from ?? ""} party={props.party} {...(props.route.from ? { from: props.route.from } : {})} />;
    case "correct":
      return <CorrectWaybill party={props.party} id={props.route.id} />;
    case "keys":
      return <Keys party={props.party} />;
    case "notfound":
      return (
        <section aria-labelledby={TITLE_ID}>
          <PageTitle>{t("notfound.title")}</PageTitle>
          <p>
            <a href={hrefWaybills()}>{t("notfound.back")}</a>
          </p>
        </section>
      );
    default:
      return <AuthorityPage route={props.route} party={props.party} />;
  }
}

function App() {
  const [lang, setLang] = useState<Language>(language());
  const [party, setParty] = useState<Party | undefined>();
  const route = useRoute();

  function changeLanguage(next: Language) {
    setLanguage(next);
    setLang(next);
  }

  return (
    <div class="app" lang={lang}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        {t("app.skip")}
      </a>
      <header class="top">
        <span class="brand">{t("app.title")}</span>
        {party && (
          <nav aria-label={t("nav.label")}>
            <ul>
              <li>
                <a href={hrefWaybills()} aria-current={route.page === "waybills" ? "page" : undefined}>
                  {t("nav.waybills")}
                </a>
              </li>
              <AuthorityNav party={party} route={route} />
              {party.kind === "company" && (
                <li>
                  <a href={hrefNew()} aria-current={route.page === "new" ? "page" : undefined}>
                    {t("form.nav")}
                  </a>
                </li>
              )}
              {party.kind === "company" && (
                <li>
                  <a href={HREF_KEYS} aria-current={route.page === "keys" ? "page" : undefined}>
                    {t("keys.nav")}
                  </a>
                </li>
              )}
            </ul>
          </nav>
        )}
        <div class="session">
          <LanguageSelect value={lang} onChange={changeLanguage} />
          {party && (
            <>
              <span class="who">{t("nav.signedInAs", { name: party.name })}</span>
              <button
                type="button"
                onClick={() => {
                  signOut();
                  setParty(undefined);
                }}
              >
                {t("nav.signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {party ? <Page route={route} party={party} /> : <SignIn onSignedIn={setParty} />}
      </main>
    </div>
  );
}

setLanguage(browserLanguage());
const root = document.getElementById("app");
if (root) render(<App />, root);

// The service worker that keeps the app shell for offline use (show/offline.ts).
registerShell();
