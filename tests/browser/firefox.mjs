// The web app in Firefox (Debian's firefox-esr), driven by puppeteer-core
// over WebDriver BiDi (the standard protocol stock Firefox speaks; no
// patched browser, no download), against the real binary in demo mode.
// A smaller walk than run.mjs's Chromium suite, covering what differs
// between engines: WebCrypto Ed25519 (importing a key file, generating a
// non-extractable key into IndexedDB), the in-browser verification of a
// waybill (JCS, Ed25519, the hash chain, inclusion proofs and the signed
// checkpoint), the strict CSP (no violation reported), a phone viewport, and
// no console error. Screenshots: target/screenshots/firefox-*.png.
//
//   node tests/browser/firefox.mjs [EWAYBILL_BINARY]   (FIREFOX=/usr/bin/firefox-esr by default)
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { startDemo } from "./demo-service.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = resolve(root, process.argv[2] ?? "target/debug/ewaybill");
const shots = join(root, "target/screenshots");
const firefoxPath = process.env.FIREFOX ?? "/usr/bin/firefox-esr";

let failures = 0;
function check(condition, what) {
  console.log(`${condition ? "ok  " : "FAIL"} firefox: ${what}`);
  if (!condition) failures++;
}

/** Clicks the button or link whose text is exactly `text`. */
async function click(page, selector, text) {
  const handle = await page.waitForFunction(
    (sel, want) => [...document.querySelectorAll(sel)].find((e) => e.textContent.trim() === want && !e.disabled),
    { timeout: 30_000 },
    selector,
    text,
  );
  await handle.asElement().click();
}

/** Waits until the main content's text matches `pattern`. */
function waitForText(page, pattern, timeout = 30_000) {
  return page.waitForFunction((source) => new RegExp(source).test(document.querySelector("main")?.innerText ?? ""), { timeout }, pattern.source);
}

async function main() {
  await mkdir(shots, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "ewaybill-firefox-"));
  const demo = await startDemo(binary, root, work);
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: firefoxPath,
    headless: true,
    extraPrefsFirefox: { "intl.accept_languages": "en-GB,en" },
  });
  const problems = [];
  try {
    check(/firefox/i.test(await browser.version()), `driving ${await browser.version()}`);
    const page = await browser.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.setViewport({ width: 1280, height: 900 });
    await page.evaluateOnNewDocument(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });

    // The demo's one-click sign-in: the key file imported with WebCrypto Ed25519.
    await page.goto(`${demo.base}/`);
    await click(page, "button", "Act as Demo Brewery SIA");
    await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Waybills", { timeout: 30_000 });
    check(true, "signed in with the demo brewery's key file");
    await page.waitForSelector("table tbody tr a");
    await page.screenshot({ path: join(shots, "firefox-waybills.png"), fullPage: true });

    // A waybill verified in the browser: every act's signature, the chain, the receipts.
    await page.click("table tbody tr a");
    await waitForText(page, /Signature valid/);
    await waitForText(page, /In the log/);
    await page.waitForFunction(() => !/Checking the signatures/.test(document.querySelector("main")?.innerText ?? "Checking the signatures"), { timeout: 30_000 });
    const text = await page.evaluate(() => document.querySelector("main").innerText);
    check(!/INVALID|BROKEN|NOT in the log/.test(text), "every act's signature valid, the chain intact and every receipt in the log");
    check(/Chain intact/.test(text), "the hash chain is checked");
    await page.screenshot({ path: join(shots, "firefox-waybill.png"), fullPage: true });

    // A phone.
    await page.setViewport({ width: 360, height: 740 });
    const number = await page.evaluate(() => document.querySelector("h1").textContent);
    await page.reload();
    await click(page, "button", "Sign in");
    await page.waitForFunction((want) => document.querySelector("h1")?.textContent === want, { timeout: 30_000 }, number);
    check(true, "a reload signs in again with the key kept in IndexedDB, back on the waybill");
    await waitForText(page, /Signature valid/);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 360, `no sideways scrolling on a phone (${wide} px)`);
    await page.screenshot({ path: join(shots, "firefox-waybill-phone.png"), fullPage: true });

    // A key generated in Firefox, non-extractable, kept in IndexedDB.
    await page.setViewport({ width: 1280, height: 900 });
    await click(page, "button", "Sign out");
    await waitForText(page, /This browser keeps the key/);
    const keptBefore = await page.evaluate(() => /keeps the key (\S+)\./.exec(document.querySelector("main").innerText)?.[1]);
    await click(page, "button", "Create a key for this browser");
    // The new key replaces the kept one: wait for its public key, then for the new key id.
    const created = await page.waitForSelector('[data-testid="new-public-key"]', { timeout: 30_000 });
    check((await created.evaluate((e) => e.textContent)).length === 43, "the new public key is shown (32 bytes, base64url)");
    await page.waitForFunction(
      (old) => {
        const kept = /keeps the key (\S+)\./.exec(document.querySelector("main").innerText)?.[1];
        return kept !== undefined && kept !== old;
      },
      { timeout: 30_000 },
      keptBefore,
    );
    const extractable = await page.evaluate(
      () =>
        new Promise((done) => {
          const open = indexedDB.open("ewaybill");
          open.onsuccess = () => {
            const get = open.result.transaction("keys").objectStore("keys").get("current");
            get.onsuccess = () => done(get.result?.privateKey?.extractable);
          };
        }),
    );
    check(extractable === false, "the generated key is kept in IndexedDB, not extractable");
    await page.screenshot({ path: join(shots, "firefox-new-key.png"), fullPage: true });
    await click(page, "button", "Sign in");
    await waitForText(page, /does not know this key/);
    check(true, "an unapproved key's sign-in is explained");

    // Chromium and Firefox both log the refused sign-in (401) as a failed load.
    const left = problems.filter((p) => !/401/.test(p));
    check(left.length === 0, `no console error or CSP violation${left.length ? `:\n  ${left.join("\n  ")}` : ""}`);
  } finally {
    await browser.close();
    demo.child.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
  }
  if (failures) {
    console.log(`${failures} Firefox check(s) failed`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
