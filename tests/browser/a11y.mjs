// The driver's QR code, the print view, offline use and accessibility
// (issue 11, items 7, 8 and 13), run from run.mjs with its helpers:
// - the brewery (consignor) shows its waybill's roadside QR code full
//   screen (alt text, closed with Escape) and prints the waybill (print
//   media: every field and the QR code, the controls hidden; a PDF too);
// - offline (context.setOffline) the opened waybill and its QR code still
//   show, and a reload still gets the app shell from the service worker;
//   sign-out deletes the kept copies;
// - axe-core, injected in a context with bypassCSP (for this check only),
//   finds no serious or critical violation on sign-in, waybills, waybill,
//   new waybill, inspect, risk list, QR check and audit trail, in English
//   and Latvian. The oversight key is the one inspect.mjs registered.
import { createRequire } from "node:module";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const OFFLINE = /ERR_INTERNET_DISCONNECTED|Failed to fetch|ERR_FAILED/;

async function signInAny(page, base, keyFile) {
  const signOut = page.locator("header .session button");
  if (await signOut.count()) await signOut.click();
  await page.goto(`${base}/`);
  await page.locator('input[type="file"]').setInputFiles(keyFile);
  await page.locator('form button[type="submit"]').click();
  await page.locator("nav").first().waitFor();
}

/** The first waybill the brewery issued: its id and number. */
async function brewerysWaybill(page, base) {
  await page.goto(`${base}/#/waybills?role=consignor`);
  const link = page.locator("table tbody tr a").first();
  await link.waitFor();
  const href = await link.getAttribute("href");
  return { href, number: (await link.innerText()).trim() };
}

async function qrAndPrint({ browser, base, root, shots, check, watchedPage, problems }) {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page = await watchedPage(context, problems);
  await signInAny(page, base, join(root, "fixtures/keys/test-only-brewery.seed"));
  const { href, number } = await brewerysWaybill(page, base);
  await page.goto(`${base}/${href}`);
  await page.getByRole("heading", { level: 1, name: number }).waitFor();

  // The QR code full screen, closed with Escape.
  await page.getByRole("button", { name: "Show QR code" }).click();
  const full = page.getByRole("dialog").getByRole("img", { name: "Roadside QR code" });
  await full.waitFor();
  await page.waitForFunction(() => document.querySelector(".qr-full")?.naturalWidth > 0);
  check(true, "Show QR code shows the roadside QR code with its alt text");
  const box = await full.boundingBox();
  check(box && box.width >= 500, `the QR code fills the screen (${Math.round(box?.width ?? 0)} px wide)`);
  await page.screenshot({ path: join(shots, "waybill-qr.png") });
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });
  check(true, "Escape closes the QR code");

  // The print view: every field and the QR code; no controls.
  await page.emulateMedia({ media: "print" });
  const printed = await page.locator("main").innerText();
  const fields = ["Consignor", "Carrier", "Consignee", "Loading", "Unloading", "Vehicle plate", "Driver", "Goods", "Net amount", "Gross amount"];
  const missing = fields.filter((f) => !printed.includes(f));
  check(missing.length === 0, `the print view has every field${missing.length ? ` (missing ${missing.join(", ")})` : ""}`);
  check(printed.includes(number), "the print view names the waybill");
  check(await page.locator("img.qr-print").isVisible(), "the print view has the roadside QR code");
  check(!(await page.getByRole("button", { name: "Show QR code" }).isVisible()), "the print view hides the buttons");
  check(!printed.includes("Back to") && !printed.includes("What you can do"), "the print view has no back link and no act controls");
  await page.screenshot({ path: join(shots, "waybill-print.png"), fullPage: true });
  await writeFile(join(shots, "waybill-print.pdf"), await page.pdf({ format: "A4", printBackground: false }));
  await page.emulateMedia({ media: "screen" });

  // Offline: the opened waybill and its QR code still show.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await context.setOffline(true);
  await page.evaluate(() => (location.hash = "#/new"));
  await page.getByRole("heading", { level: 1 }).filter({ hasNotText: number }).waitFor();
  await page.evaluate((h) => (location.hash = h), href);
  await page.getByRole("heading", { level: 1, name: number }).waitFor();
  await page.locator("table.history tbody tr").first().waitFor();
  check(true, "offline, the opened waybill still shows");
  await page.getByRole("button", { name: "Show QR code" }).click();
  await page.waitForFunction(() => document.querySelector(".qr-full")?.naturalWidth > 0);
  check(true, "offline, its QR code still shows");
  await page.screenshot({ path: join(shots, "waybill-qr-offline.png") });
  await page.keyboard.press("Escape");
  await page.reload();
  await page.locator('input[type="file"]').waitFor();
  check(true, "offline, a reload gets the app shell from the service worker");
  await context.setOffline(false);
  // Chromium logs the failed loads while offline; nothing else may be.
  const kept = problems.splice(0).filter((p) => !OFFLINE.test(p));
  problems.push(...kept);

  // Sign-out deletes the kept copies.
  await signInAny(page, base, join(root, "fixtures/keys/test-only-brewery.seed"));
  const before = await page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith("ewaybill-data-")).length);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator('input[type="file"]').waitFor();
  const copies = await page.waitForFunction(async () => (await caches.keys()).every((n) => !n.startsWith("ewaybill-data-"))).then(() => true, () => false);
  check(before > 0 && copies, `sign-out deletes the kept copies (${before} cache before)`);
  await context.close();
}

/** The serious and critical axe-core violations on the page as it is. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

async function axeCheck(page, what, check) {
  const violations = await axeViolations(page);
  check(violations.length === 0, `axe: no serious or critical violation on ${what}${violations.length ? `:\n  ${violations.join("\n  ")}` : ""}`);
}

async function visit(page, base, hash, what, check, lang) {
  await page.goto(`${base}/${hash}`);
  await page.locator("h1").first().waitFor();
  // Let the page's data arrive.
  await page.waitForLoadState("networkidle", { timeout: 3000 }).catch(() => undefined);
  await page.waitForTimeout(300);
  await axeCheck(page, `${what} (${lang})`, check);
}

async function axeTests({ browser, base, root, work, check, shots }) {
  for (const locale of ["en-GB", "lv-LV"]) {
    const lang = locale.slice(0, 2);
    // bypassCSP only here: axe is injected as a script the CSP would refuse.
    const context = await browser.newContext({ locale, bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('input[type="file"]').waitFor();
    await axeCheck(page, `sign-in (${lang})`, check);
    if (lang === "en") {
      // The check itself can fail: the same page with its key file label taken away.
      await page.evaluate(() => document.querySelector('label[for="key-file"]')?.remove());
      const broken = await axeViolations(page);
      check(broken.some((v) => v.startsWith("label ")), `axe reports an unlabelled field (${broken.join("; ") || "nothing"})`);
      await page.reload();
      await page.locator('input[type="file"]').waitFor();
    }

    await signInAny(page, base, join(root, "fixtures/keys/test-only-brewery.seed"));
    await visit(page, base, "#/waybills", "waybills", check, lang);
    const { href } = await brewerysWaybill(page, base);
    await visit(page, base, href, "waybill", check, lang);
    await visit(page, base, "#/new", "new waybill", check, lang);
    await visit(page, base, "#/keys", "keys", check, lang);

    await signInAny(page, base, join(root, "fixtures/keys/test-only-police.seed"));
    await visit(page, base, "#/inspect", "inspect", check, lang);
    await visit(page, base, "#/risk", "risk list", check, lang);
    await visit(page, base, "#/qr", "QR check", check, lang);

    await signInAny(page, base, join(work, "oversight.pem"));
    await visit(page, base, "#/audit", "audit trail", check, lang);
    await page.screenshot({ path: join(shots, `audit-a11y-${lang}.png`), fullPage: true });
    await context.close();
  }
}

export async function showTests(helpers) {
  await qrAndPrint(helpers);
  await axeTests(helpers);
}
