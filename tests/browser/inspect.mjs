// The authority's and oversight's pages (issue 11, item 10), run from
// run.mjs with its helpers: the police find a demo truck by its plate typed
// with spaces and in lower case, open it and record an inspection; the
// risk list shows reasons in plain words and the model's version, and a
// stop recorded from it names its assessment; a pasted verification link
// gives the roadside verdict; an oversight party sees the audit trail with
// the police's read in it. Screenshots of each page.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** An access token for a key file, as the CLI gets one (`ewaybill login`). */
export function login(binary, base, keyFile) {
  const run = spawnSync(binary, ["login", "--key", keyFile, "--server", base], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ewaybill login failed: ${run.stderr}`);
  return run.stdout.trim();
}

export async function api(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** The operator registers an oversight party with a fresh keygen key; returns the key file. */
async function oversightKey({ binary, base, root, work }) {
  const operator = login(binary, base, join(root, "fixtures/keys/test-only-operator.seed"));
  const party = await api(base, operator, "POST", "/v1/parties", {
    kind: "oversight",
    name: "Inspection oversight (browser test)",
    reg_no: "90000099999",
    country: "LV",
  });
  const pem = join(work, "oversight.pem");
  const keygen = spawnSync(binary, ["keygen", "--out", pem], { encoding: "utf8" });
  const publicKey = /public_key:\s+(\S+)/.exec(keygen.stdout)?.[1];
  if (keygen.status !== 0 || !publicKey) throw new Error(`keygen failed: ${keygen.stderr}`);
  await api(base, operator, "POST", `/v1/parties/${party.id}/keys`, { public_key: publicKey, label: "browser test" });
  return pem;
}

export async function inspectTests({ browser, base, root, work, binary, shots, check, watchedPage, signIn, problems }) {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page = await watchedPage(context, problems);
  await signIn(page, base, join(root, "fixtures/keys/test-only-police.seed"));
  await page.getByRole("heading", { name: "Waybills", level: 1 }).waitFor();
  check(await page.getByRole("link", { name: "Inspect" }).count() === 1, "an authority's navigation has Inspect");
  check(await page.getByRole("link", { name: "Risk list" }).count() === 1, "an authority's navigation has Risk list");

  // The plate as typed at the roadside: spaces and lower case (the demo's beer truck is DB-4102).
  await page.getByRole("link", { name: "Inspect" }).click();
  await page.getByRole("heading", { name: "Inspect", level: 1 }).waitFor();
  await page.getByLabel("Vehicle plate").fill("d b 41 02");
  await page.getByRole("button", { name: "Search" }).click();
  const hit = page.getByRole("link", { name: "BR-2026-000141" });
  await hit.waitFor();
  check(true, "a search for “d b 41 02” finds the truck DB-4102 (BR-2026-000141)");
  const riskCell = await page.locator("table.hits tbody tr").first().locator("td").last().innerText();
  check(/\d+ \((low|medium|high)\)/.test(riskCell), `the hit shows its brief risk: ${riskCell.trim()}`);
  await page.screenshot({ path: join(shots, "inspect-search.png"), fullPage: true });

  // Open it (an audited API read) and record what the stop found.
  await hit.click();
  await page.getByRole("heading", { level: 1, name: "BR-2026-000141" }).waitFor();
  const waybillId = decodeURIComponent(new URL(page.url()).hash.split("/").pop());
  await page.getByRole("button", { name: "Record inspection" }).click();
  await page.getByLabel("Outcome").selectOption({ label: "No irregularity" });
  await page.getByLabel("Note").fill("Seals intact, load as declared.");
  await page.screenshot({ path: join(shots, "inspect-record.png"), fullPage: true });
  await page.getByRole("button", { name: "Save inspection" }).click();
  await page.locator(".recorded li").filter({ hasText: "No irregularity" }).filter({ hasText: "Seals intact" }).waitFor();
  check(true, "the inspection is recorded and shown on the waybill page");
  await page.screenshot({ path: join(shots, "inspect-recorded.png"), fullPage: true });

  // The risk list: reasons in plain words and the model's version.
  await page.getByRole("link", { name: "Risk list" }).click();
  await page.getByRole("heading", { name: "Risk list", level: 1 }).waitFor();
  const item = page.locator(".risk-list > li").first();
  await item.waitFor();
  const itemText = await item.innerText();
  check(/Risk model \S+/.test(itemText), "a risk list item names the model's version");
  check((await item.locator(".reasons li").count()) > 0, `a risk list item gives its reasons: ${(await item.locator(".reasons li").first().innerText().catch(() => "")).trim()}`);
  await page.screenshot({ path: join(shots, "risk-list.png"), fullPage: true });
  // A stop from the risk list: an irregularity, sent with the item's selection and assessment.
  const posted = page.waitForRequest((r) => r.method() === "POST" && /\/inspections$/.test(r.url()));
  await item.getByRole("link").first().click();
  await page.getByRole("button", { name: "Record inspection" }).click();
  await page.getByLabel("Outcome").selectOption({ label: "Irregularity" });
  await page.getByLabel("Category").selectOption({ label: "Quantity does not match" });
  await page.getByLabel("Amount at stake").fill("1250.50");
  await page.getByLabel("Note").fill("Two pallets more than declared.");
  await page.getByRole("button", { name: "Save inspection" }).click();
  const sent = (await posted).postDataJSON();
  check(
    ["ranking", "random"].includes(sent.selection) && Boolean(sent.assessment_id) && Boolean(sent.selection_probability),
    `a stop from the risk list is sent as ${sent.selection} with its assessment and probability`,
  );
  check(sent.amount_at_stake === "1250.50" && sent.currency === "EUR", "the amount at stake is sent as the decimal string typed");
  await page.locator(".recorded li").filter({ hasText: "Irregularity" }).waitFor();
  check(true, "the irregularity is recorded");

  // A pasted verification link gives the roadside verdict.
  const brewery = login(binary, base, join(root, "fixtures/keys/test-only-brewery.seed"));
  const qr = await api(base, brewery, "GET", `/v1/waybills/${waybillId}/qr?format=json`);
  const roadside = await (await fetch(qr.verify_url.replace(/^https?:\/\/[^/]+/i, base), { headers: { Accept: "application/json" } })).json();
  await page.getByRole("link", { name: "QR check" }).click();
  await page.getByLabel("Verification link").fill(qr.text);
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByRole("heading", { level: 2, name: roadside.verdict }).waitFor();
  check(true, `a pasted verification link gives the roadside verdict: ${roadside.verdict}`);
  check(await page.getByText("Every signature is valid and the waybill is in the signed log.").count() === 1, "the check says the signatures and the log are valid");
  await page.screenshot({ path: join(shots, "qr-check.png"), fullPage: true });
  await page.getByLabel("Verification link").fill("https://example.org/not-a-link");
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByRole("alert").filter({ hasText: "not a verification link" }).waitFor();
  check(true, "a link that is not a verification link is explained");

  // Latviešu on the inspector's pages.
  await page.getByLabel("Language").selectOption({ label: "Latviešu" });
  await page.getByRole("link", { name: "Pārbaude", exact: true }).click();
  await page.getByLabel("Transportlīdzekļa numurs").fill("db4102");
  await page.getByRole("button", { name: "Meklēt" }).click();
  await page.getByRole("link", { name: "BR-2026-000141" }).waitFor();
  await page.screenshot({ path: join(shots, "inspect-search-lv.png"), fullPage: true });
  check(true, "the inspector's search works in Latvian");
  await page.getByRole("link", { name: "QR pārbaude" }).click();
  await page.getByLabel("Pārbaudes saite").fill(qr.text);
  await page.getByRole("button", { name: "Pārbaudīt", exact: true }).click();
  const lvVerdict = await page.locator("#verdict-title").innerText();
  check(/pārvadājumam/.test(lvVerdict) && !/transport/.test(lvVerdict), `the roadside verdict in Latvian: ${lvVerdict}`);
  await page.screenshot({ path: join(shots, "qr-check-lv.png"), fullPage: true });
  await context.close();

  // Oversight sees the access audit trail, the police's read in it.
  const pem = await oversightKey({ binary, base, root, work });
  const oversight = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const watch = await watchedPage(oversight, problems);
  await signIn(watch, base, pem);
  await watch.getByRole("link", { name: "Audit trail" }).click();
  await watch.getByRole("heading", { name: "Audit trail", level: 1 }).waitFor();
  const read = watch.locator("table.audit tbody tr").filter({ hasText: "Read a waybill" }).filter({ hasText: waybillId });
  await read.first().waitFor();
  check(true, "oversight sees the police's read of the waybill in the audit trail");
  check(await watch.locator("table.audit tbody tr").filter({ hasText: "Searched shipments" }).count() > 0, "and the police's searches");
  await watch.screenshot({ path: join(shots, "audit-trail.png"), fullPage: true });
  await oversight.close();
}
