// The new-waybill form and the act forms, as three people in three browser
// contexts: the brewery issues a waybill by hand with two lines (the page
// computes the totals), after its bad input was shown next to the fields
// (a missing consignee, an unknown unit); the carrier, on a phone, accepts
// it with a reservation on line 2; the grocery chain accepts line 1 in part
// and line 2 in full. In the Latvian UI a quantity is typed with the decimal
// comma, and a malformed one is shown next to its field. Called from run.mjs
// with its helpers; screenshots under target/screenshots/form-*.png.
import { join } from "node:path";

const RETRIED = /status of 422/;

export async function run({ browser, base, problems, check, watchedPage, signIn, shots, root }) {
  const key = (name) => join(root, `fixtures/keys/test-only-${name}.seed`);
  const shot = (page, name) => page.screenshot({ path: join(shots, `form-${name}.png`), fullPage: true });
  const number = `WB-BROWSER-${Date.now()}`;

  // The consignor fills the form, first with a missing consignee and an unknown unit.
  const desk = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page = await watchedPage(desk, problems);
  await signIn(page, base, key("brewery"));
  await page.getByRole("link", { name: "New waybill" }).click();
  await page.getByRole("heading", { level: 1, name: "New waybill" }).waitFor();
  const form = page.getByRole("form", { name: "New waybill" });
  await form.getByLabel("Document number").fill(number);
  await form.getByLabel("Transaction type").selectOption({ label: "Sale" });
  const carrier = form.getByRole("group", { name: "Carrier" });
  await carrier.getByLabel("Registration number").fill("40000001077");
  await carrier.getByLabel("Registration number").press("Tab");
  await carrier.getByText("Registered company: Demo Baltic Haulage SIA").waitFor();
  check((await carrier.getByLabel("Name").inputValue()) === "Demo Baltic Haulage SIA", "the carrier's name is filled from GET /v1/companies");
  for (const [legend, line, city, at] of [
    ["Loading", "Parauga iela 1", "Valmiera", "2026-12-01T08:00"],
    ["Unloading", "Noliktavu parauga iela 5", "Ķekava", "2026-12-01T11:30"],
  ]) {
    const place = form.getByRole("group", { name: legend, exact: true });
    await place.getByLabel("Address").fill(line);
    await place.getByLabel("City").fill(city);
    await place.getByLabel("Postal code").fill("LV-4201");
    await place.getByLabel("Planned at").fill(at);
  }
  const transport = form.getByRole("group", { name: "Transport" });
  await transport.getByLabel("Vehicle plate").fill("DB-4102");
  await transport.getByLabel("Trailer plate").fill("P-7731");
  await transport.getByLabel("Driver").fill("Andris Paraudziņš");
  const fillLine = async (n, values) => {
    const group = form.getByRole("group", { name: `Line ${n}`, exact: true });
    for (const [label, value] of Object.entries(values)) await group.getByLabel(label, { exact: true }).fill(value);
    return group;
  };
  await fillLine(1, {
    Description: "Lager beer 4.7 %, 0.33 l cans", "CN code": "22030001", Quantity: "1188", Unit: "LTR",
    "Gross weight (kg)": "1290", "Unit price": "0.845", "VAT rate (%)": "21",
  });
  await form.getByRole("button", { name: "Add line" }).click();
  const line2 = await fillLine(2, {
    Description: "Dark ale 5.8 %, 50 l kegs", "CN code": "22030009", Quantity: "900", Unit: "bottles",
    "Gross weight (kg)": "1143", "Unit price": "1.237", "VAT rate (%)": "21",
  });
  check((await line2.locator("output").first().innerText()) === "1,113.30 EUR", "line 2's amount is computed as typed");
  const totals = async () => ({
    net: await page.locator("#total-net").innerText(),
    vat: await page.locator("#total-vat").innerText(),
    gross: await page.locator("#total-gross").innerText(),
    weight: await page.locator("#total-weight").innerText(),
  });
  const sums = await totals();
  // 1188 x 0.845 = 1003.86, VAT 210.81; 900 x 1.237 = 1113.30, VAT 233.79 (233.793).
  check(
    sums.net === "2,117.16 EUR" && sums.vat === "444.60 EUR" && sums.gross === "2,561.76 EUR" && sums.weight === "2,433",
    `the page computes the totals (${JSON.stringify(sums)})`,
  );
  await form.getByRole("button", { name: "Issue waybill" }).click();
  const consignee = form.getByRole("group", { name: "Consignee" });
  const regNo = consignee.getByLabel("Registration number");
  await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
  check((await regNo.getAttribute("aria-invalid")) === "true", "a missing consignee is marked on its field");
  const errorId = (await regNo.getAttribute("aria-describedby")).split(" ").pop();
  const regNoError = await page.locator(`[id="${errorId}"]`).innerText();
  check(/Required/.test(regNoError), `the consignee's problem is next to its field: ${regNoError}`);
  const unit = line2.getByLabel("Unit", { exact: true });
  check((await unit.getAttribute("aria-invalid")) === "true", "an unknown unit is marked on its field");
  check(/Unknown unit/.test(await line2.locator(".field-error").innerText()), "the unit's problem is next to it, in words");
  check(/need attention/.test(await form.getByRole("alert").innerText()), "the problems are announced");
  check((await form.getByLabel("Document number").inputValue()) === number, "the form keeps its values");
  await shot(page, "new-waybill-problems");
  problems.splice(0, problems.length, ...problems.filter((p) => !RETRIED.test(p)));

  // The draft survives a reload (and a new sign-in with the kept key).
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "New waybill" }).click();
  check((await form.getByLabel("Document number").inputValue()) === number, "the draft is kept in this browser");

  await regNo.fill("40000001044");
  await regNo.press("Tab");
  await consignee.getByText("Registered company: Demo Grocery Chain SIA").waitFor();
  await unit.fill("LTR");
  await shot(page, "new-waybill");
  await form.getByRole("button", { name: "Issue waybill" }).click();
  await page.getByRole("heading", { level: 1, name: number }).waitFor();
  check((await page.locator(".facts .status").first().innerText()).trim() === "Issued", "issued: the waybill page shows Issued");
  const id = decodeURIComponent(new URL(page.url()).hash.split("/").pop());
  check(await page.getByRole("button", { name: "Cancel waybill" }).count() === 1, "the consignor may cancel it");
  check(await page.getByRole("button", { name: "Accept transport" }).count() === 0, "the consignor is not offered the carrier's acts");
  await shot(page, "issued");

  // The carrier, on a phone, accepts with a reservation on line 2.
  /** A new context signed in as `who`, on the waybill's page. */
  const openAs = async (who, options, group) => {
    const context = await browser.newContext({ locale: "en-GB", ...options });
    const opened = await watchedPage(context, problems);
    await signIn(opened, base, key(who));
    await opened.getByRole("heading", { level: 1, name: "Waybills" }).waitFor();
    // The waybill waits in the group of what this party has to do.
    const work = opened.getByRole("region", { name: group, exact: true });
    await work.getByRole("link", { name: number }).waitFor();
    check(true, `${who} finds it under "${group}"`);
    await shot(opened, `work-${who}`);
    await opened.evaluate((hash) => (location.hash = hash), `#/waybills/${id}`);
    await opened.getByRole("heading", { level: 1, name: number }).waitFor();
    return [context, opened];
  };
  const [phone, driver] = await openAs("carrier_baltic", { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }, "As carrier: to accept");
  await driver.getByRole("button", { name: "Accept transport" }).click();
  const accept = driver.getByRole("form", { name: "Accept transport" });
  check(await accept.getByLabel("Reservation").count() === 3, "a Reservation field per line and one overall");
  // A reservation the server refuses (over 1000 characters) is shown next to line 2's field,
  // although the act's body lists it first (line 1 has none).
  const reservation2 = accept.getByRole("group", { name: "Line 2", exact: true }).getByLabel("Reservation");
  await reservation2.fill("dented ".repeat(150));
  await accept.getByRole("button", { name: "Sign and send" }).click();
  await driver.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
  check((await reservation2.getAttribute("aria-invalid")) === "true", "the server's problem with line 2's reservation is on its field");
  const reservationError = await driver.locator(`[id="${(await reservation2.getAttribute("aria-describedby")).split(" ").pop()}"]`).innerText();
  check(/Too long/.test(reservationError), `it says what is wrong: ${reservationError}`);
  await shot(driver, "carrier-accept-problem-phone");
  problems.splice(0, problems.length, ...problems.filter((p) => !RETRIED.test(p)));
  await reservation2.fill("2 kegs with dented chimes");
  await shot(driver, "carrier-accept-phone");
  await accept.getByRole("button", { name: "Sign and send" }).click();
  await driver.locator(".facts .status", { hasText: "In transit" }).waitFor();
  check(true, "the carrier's signed acceptance puts the waybill in transit");
  check(await driver.getByRole("button", { name: "Change vehicle" }).count() === 1, "the carrier may now change the vehicle");
  await shot(driver, "in-transit-phone");
  await phone.close();

  // The consignee accepts line 1 in part, line 2 in full.
  const [dock, receiver] = await openAs("grocery_chain", { viewport: { width: 1024, height: 900 } }, "As consignee: goods on their way");
  await receiver.getByRole("button", { name: "Accept goods" }).click();
  const goods = receiver.getByRole("form", { name: "Accept goods" });
  const received = goods.getByLabel("Received quantity");
  check(await received.count() === 2, "one Received quantity field per line");
  check(
    (await received.nth(0).inputValue()) === "1188" && (await received.nth(1).inputValue()) === "900",
    "the received quantities are pre-filled with the shipped ones",
  );
  await received.nth(0).fill("1164");
  await goods.getByRole("group", { name: "Line 1", exact: true }).getByLabel("Note").fill("1 tray of 24 cans crushed");
  await goods.getByLabel("Note on the delivery").fill("Line 2 received in full");
  await shot(receiver, "consignee-accept");
  await goods.getByRole("button", { name: "Sign and send" }).click();
  await receiver.locator(".facts .status", { hasText: "Partially accepted" }).waitFor();
  check(true, "line 1 in part, line 2 in full: Partially accepted");
  // The history is read after the state: wait for its third row, then count.
  await receiver.locator("table.history tbody tr").nth(2).waitFor();
  const acts = await receiver.locator("table.history tbody tr").count();
  check(acts === 3, `the history lists the three signed acts (${acts})`);
  await shot(receiver, "partially-accepted");
  await dock.close();

  // The consignor copies it into a new waybill, corrects that one, then cancels it.
  await page.getByRole("link", { name: "Copy to a new waybill" }).click();
  await page.getByRole("heading", { level: 1, name: "New waybill" }).waitFor();
  await page.waitForFunction(() => document.getElementById("new-lines[1].description")?.value.startsWith("Dark ale"));
  check((await form.getByLabel("Document number").inputValue()) === "", "a copy starts with a new number");
  check((await totals()).gross === "2,561.76 EUR", "the copy's totals are computed again");
  await form.getByLabel("Document number").fill(`${number}-2`);
  await form.getByRole("group", { name: "Loading", exact: true }).getByLabel("Planned at").fill("2026-12-02T08:00");
  await form.getByRole("group", { name: "Unloading", exact: true }).getByLabel("Planned at").fill("2026-12-02T11:00");
  await form.getByRole("button", { name: "Issue waybill" }).click();
  await page.getByRole("heading", { level: 1, name: `${number}-2` }).waitFor();
  await page.getByRole("link", { name: "Correct waybill" }).click();
  await page.getByRole("heading", { level: 1, name: `Correct waybill ${number}-2` }).waitFor();
  const fix = page.getByRole("form", { name: `Correct waybill ${number}-2` });
  check((await fix.getByLabel("Document number").inputValue()) === `${number}-2`, "the correction starts from the waybill's document");
  await fix.getByRole("group", { name: "Transport", exact: true }).getByLabel("Vehicle plate").fill("DB-4103");
  await shot(page, "correct");
  await fix.getByRole("button", { name: "Sign and send the correction" }).click();
  await page.getByRole("heading", { level: 1, name: `${number}-2` }).waitFor();
  await page.locator(".plate", { hasText: "DB-4103" }).waitFor();
  check(true, "the signed correction changes the vehicle plate");
  await page.getByRole("button", { name: "Cancel waybill" }).click();
  const cancel = page.getByRole("form", { name: "Cancel waybill" });
  await cancel.getByRole("button", { name: "Sign and send" }).click();
  check((await cancel.getByLabel("Reason").getAttribute("aria-invalid")) === "true", "a cancellation needs a reason");
  await cancel.getByLabel("Reason").fill("Order withdrawn by the customer");
  await cancel.getByRole("button", { name: "Sign and send" }).click();
  await page.locator(".facts .status", { hasText: "Cancelled" }).waitFor();
  check(true, "the signed cancellation cancels the waybill");
  await shot(page, "cancelled");

  // Latvian: a quantity with the decimal comma is read; a malformed one is shown next to its field.
  const lv = await browser.newContext({ locale: "lv-LV", viewport: { width: 1280, height: 900 } });
  const clerk = await watchedPage(lv, problems);
  await clerk.goto(`${base}/`);
  await clerk.getByLabel("Atslēgas fails").setInputFiles(key("brewery"));
  await clerk.getByRole("button", { name: "Pieteikties" }).click();
  await clerk.getByRole("link", { name: "Jauna pavadzīme" }).click();
  const lvForm = clerk.getByRole("form", { name: "Jauna pavadzīme" });
  const lvLine = lvForm.getByRole("group", { name: "Rinda 1", exact: true });
  await lvLine.getByLabel("Daudzums").fill("12,5");
  await lvLine.getByLabel("Vienības cena").fill("2,13");
  check((await lvLine.locator("output").first().innerText()) === "26,63 EUR", "12,5 x 2,13 = 26,63 (26.625 rounded half away from zero)");
  await lvLine.getByLabel("Daudzums").fill("12,5,1");
  await lvForm.getByRole("button", { name: "Izsniegt pavadzīmi" }).click();
  const quantity = lvLine.getByLabel("Daudzums");
  await clerk.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
  check((await quantity.getAttribute("aria-invalid")) === "true", "a malformed quantity is marked on its field");
  check(/Tas nav skaitlis/.test(await lvLine.locator(".field-error").first().innerText()), "its problem is next to it, in Latvian");
  await shot(clerk, "new-waybill-lv");
  await lv.close();
  await desk.close();
}
