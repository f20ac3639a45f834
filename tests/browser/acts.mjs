// The demo's sign-in buttons and the acts the lifecycle test (form.mjs) does
// not take. Two waybills are issued with the CLI (the form has its own
// test); the carrier signs in with the demo's one-click "Act as" button, declines the
// first with a reason, accepts the second and changes its vehicle on the
// way; the grocery chain, also by the demo button, rejects the goods with a
// reason, in another tab of the same browser. A service that is not a demo (its /v1/demo/keys answers 404)
// shows nothing of the demo keys. Screenshots: target/screenshots/acts-*.png.
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const NOT_FOUND = /status of 404/;

export async function actsTests({ browser, base, root, work, binary, shots, check, watchedPage, problems }) {
  const shot = (page, name) => page.screenshot({ path: join(shots, `acts-${name}.png`), fullPage: true });
  const stamp = Date.now();
  const template = JSON.parse(await readFile(join(root, "fixtures/waybills/brewery-beer.json"), "utf8"));
  const issue = async (number) => {
    const file = join(work, `${number}.json`);
    await writeFile(file, JSON.stringify({ ...template, number }));
    const run = spawnSync(
      binary,
      ["issue", file, "--json", "--key", join(root, "fixtures/keys/test-only-brewery.seed"), "--server", base],
      { encoding: "utf8" },
    );
    check(run.status === 0, `ewaybill issue ${number}${run.status === 0 ? "" : `: ${run.stderr}`}`);
    return JSON.parse(run.stdout).waybill.id;
  };
  const declined = `WB-ACTS-${stamp}-D`;
  const rejected = `WB-ACTS-${stamp}-R`;
  const ids = { [declined]: await issue(declined), [rejected]: await issue(rejected) };
  check(Object.values(ids).every((id) => typeof id === "string"), "the CLI answers the waybill ids");

  /** A new context signed in with the demo button for `name`. */
  const demoSignIn = async (name, options = {}, tabOf = undefined) => {
    const context = tabOf ?? (await browser.newContext({ locale: "en-GB", ...options }));
    const page = await watchedPage(context, problems);
    await page.goto(`${base}/`);
    const demo = page.getByRole("region", { name: "Demo parties" });
    await demo.waitFor();
    await page.getByRole("button", { name: `Act as ${name}` }).click();
    await page.getByRole("heading", { level: 1, name: "Waybills" }).waitFor();
    return [context, page];
  };
  const open = async (page, number) => {
    await page.evaluate((hash) => (location.hash = hash), `#/waybills/${ids[number]}`);
    await page.getByRole("heading", { level: 1, name: number }).waitFor();
  };
  const status = (page, word) => page.locator(".facts .status", { hasText: word }).waitFor();

  // The sign-in page of the demo offers every demo party with the warning.
  {
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await watchedPage(context, problems);
    await page.goto(`${base}/`);
    const demo = page.getByRole("region", { name: "Demo parties" });
    await demo.waitFor();
    check(/TEST ONLY/.test(await demo.getByRole("note").innerText()), "the demo keys come with their warning");
    const parties = JSON.parse(await readFile(join(root, "fixtures/parties.json"), "utf8"));
    for (const party of parties) {
      check(await demo.getByRole("button", { name: `Act as ${party.name}` }).count() === 1, `a button for ${party.handle}`);
    }
    const download = demo.getByRole("link", { name: "key file" }).first();
    check((await download.getAttribute("download")) === `test-only-${parties[0].handle}.seed`, "each key file can be downloaded");
    await shot(page, "demo-sign-in");
    await context.close();
  }

  // A service without demo data: nothing of the demo shows.
  {
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await watchedPage(context, problems);
    await page.route("**/v1/demo/keys", (route) =>
      route.fulfill({
        status: 404,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "about:blank", title: "Not Found", status: 404, code: "not_demo" }),
      }),
    );
    await page.goto(`${base}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: "Create a key for this browser" }).waitFor();
    await page.waitForLoadState("networkidle");
    check(await page.getByText("Demo parties").count() === 0, "no demo keys on a service without demo data");
    check(await page.getByRole("button", { name: /^Act as / }).count() === 0, "no demo buttons there");
    await context.close();
    problems.splice(0, problems.length, ...problems.filter((p) => !NOT_FOUND.test(p)));
  }

  // The carrier declines the first waybill, with a reason.
  const [haulage, carrier] = await demoSignIn("Demo Baltic Haulage SIA", { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await open(carrier, declined);
  await carrier.getByRole("button", { name: "Decline transport" }).click();
  const decline = carrier.getByRole("form", { name: "Decline transport" });
  await decline.getByRole("button", { name: "Sign and send" }).click();
  check((await decline.getByLabel("Reason").getAttribute("aria-invalid")) === "true", "a decline needs a reason");
  await decline.getByLabel("Reason").fill("No refrigerated trailer free this week");
  await shot(carrier, "decline-phone");
  await decline.getByRole("button", { name: "Sign and send" }).click();
  await status(carrier, "Declined");
  check(true, "the signed decline shows Declined");
  check(await carrier.getByRole("button", { name: "Accept transport" }).count() === 0, "nothing more to accept once declined");
  await shot(carrier, "declined-phone");

  // The carrier accepts the second and changes the vehicle on the way.
  await open(carrier, rejected);
  await carrier.getByRole("button", { name: "Accept transport" }).click();
  await carrier.getByRole("form", { name: "Accept transport" }).getByRole("button", { name: "Sign and send" }).click();
  await status(carrier, "In transit");
  await carrier.getByRole("button", { name: "Change vehicle" }).click();
  const change = carrier.getByRole("form", { name: "Change vehicle" });
  await change.getByLabel("Vehicle plate").fill("KR 5521");
  await change.getByLabel("Driver").fill("Jānis Bērziņš");
  await change.getByLabel("Reason").fill("Truck broke down near Sigulda; goods moved to a spare truck");
  await shot(carrier, "change-vehicle-phone");
  await change.getByRole("button", { name: "Sign and send" }).click();
  await carrier.locator(".plate", { hasText: /KR ?5521/ }).first().waitFor({ timeout: 10000 }).catch(async (e) => {
    await shot(carrier, "change-vehicle-failed");
    throw e;
  });
  check(true, "the signed vehicle change shows the new plate");
  check(/In transit/.test(await carrier.locator(".facts .status").first().innerText()), "still in transit after the change");

  // The grocery chain, in another tab of the same browser, rejects the goods, with a reason.
  const [, receiver] = await demoSignIn("Demo Grocery Chain SIA", {}, haulage);
  await open(receiver, rejected);
  await receiver.getByRole("button", { name: "Reject goods" }).click();
  const reject = receiver.getByRole("form", { name: "Reject goods" });
  await reject.getByRole("button", { name: "Sign and send" }).click();
  check((await reject.getByLabel("Reason").getAttribute("aria-invalid")) === "true", "a rejection needs a reason");
  await reject.getByLabel("Reason").fill("Cold chain broken: cans warm on arrival");
  await reject.getByRole("button", { name: "Sign and send" }).click();
  await status(receiver, "Rejected");
  check(true, "the signed rejection shows Rejected");
  await receiver.locator("table.history tbody tr").nth(3).waitFor();
  const history = await receiver.locator("table.history tbody tr").allInnerTexts();
  check(history.length === 4, `issue, accept, change vehicle, reject in the history (${history.length})`);
  await shot(receiver, "rejected");
  // Each tab keeps its own session: the carrier's tab still acts as the carrier.
  await carrier.getByRole("link", { name: "Waybills" }).first().click();
  await carrier.getByRole("heading", { level: 1, name: "Waybills" }).waitFor();
  check(/Demo Baltic Haulage SIA/.test(await carrier.locator(".who").innerText()), "two demo parties in two tabs of one browser");
  await haulage.close();
}
