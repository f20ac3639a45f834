// End-to-end test of the web app in Chromium against the real binary:
// starts `ewaybill demo` on a free port with a temporary SQLite database,
// signs in as the brewery with its test-only key file, lists its waybills,
// filters them, opens one, switches to Latvian, checks a failed sign-in is
// explained, checks the security headers and that the console shows no CSP
// violation or error, and saves screenshots under target/screenshots/.
// Prints the gzip size of the app's JavaScript and CSS.
import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { startDemo } from "./demo-service.mjs";
import { verifyTests } from "./verify.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = resolve(root, process.argv[2] ?? "target/debug/ewaybill");
const shots = join(root, "target/screenshots");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const STATUS_WORDS = ["Issued", "Declined", "Cancelled", "In transit", "Delivered", "Partially accepted", "Rejected"];

let failures = 0;
function check(condition, what) {
  if (condition) {
    console.log(`ok   ${what}`);
  } else {
    failures++;
    console.log(`FAIL ${what}`);
  }
}

/** A page that records console errors, page errors and CSP violations. */
async function watchedPage(context, problems) {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // Every write the app sends carries an Idempotency-Key, so its one retry
  // after a lost answer cannot apply a signed act twice.
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (request.method() === "POST" && url.pathname.startsWith("/v1/") && url.pathname !== "/v1/auth/token" && !request.headers()["idempotency-key"]) {
      problems.push(`POST ${url.pathname} without an Idempotency-Key`);
    }
  });
  // Runs through the DevTools protocol, not as an inline script: the CSP does not apply to it.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return page;
}

async function signIn(page, base, keyFile) {
  await page.goto(`${base}/`);
  await page.getByLabel("Key file").setInputFiles(keyFile);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function bundleSize() {
  const dir = join(root, "web/dist/assets");
  let raw = 0;
  let gzip = 0;
  for (const name of await readdir(dir)) {
    if (!/\.(js|css)$/.test(name)) continue;
    const bytes = await readFile(join(dir, name));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

async function main() {
  await mkdir(shots, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "ewaybill-browser-"));
  const demo = await startDemo(binary, root, work);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  const problems = [];
  try {
    const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
    const page = await watchedPage(context, problems);

    // Headers of the app as the browser gets them.
    const response = await page.goto(`${demo.base}/`);
    const headers = response.headers();
    check(headers["content-security-policy"] === CSP, "index.html has the strict CSP");
    check(headers["x-content-type-options"] === "nosniff", "index.html has nosniff");
    check(headers["referrer-policy"] === "no-referrer", "index.html has no-referrer");
    check(headers["cache-control"] === "no-cache", "index.html is revalidated");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    check(await page.locator("html").getAttribute("lang") === "en", "English for an en-GB browser");
    await page.screenshot({ path: join(shots, "sign-in.png"), fullPage: true });

    // A file that is no key, and a key the service does not know.
    await page.getByLabel("Key file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "no Ed25519 private key" }).waitFor();
    check(true, "a file without a key is explained");
    const stranger = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    await page.getByLabel("Key file").setInputFiles({ name: "stranger.seed", mimeType: "text/plain", buffer: Buffer.from(`${stranger}\n`) });
    await page.getByRole("button", { name: "Sign in" }).click();
    await alert.filter({ hasText: "does not know this key" }).waitFor();
    check(true, "an unregistered key is explained");
    await page.screenshot({ path: join(shots, "sign-in-failed.png"), fullPage: true });
    // A PKCS#8 PEM file as `ewaybill keygen` writes it is read too (and is not registered either).
    const pem = join(work, "new-key.pem");
    const keygen = spawnSync(binary, ["keygen", "--out", pem], { encoding: "utf8" });
    check(keygen.status === 0, "ewaybill keygen wrote a PEM key");
    const pemKeyId = /key_id:\s+(\S+)/.exec(keygen.stdout)?.[1];
    await page.getByLabel("Key file").setInputFiles(pem);
    await page.getByRole("button", { name: "Sign in" }).click();
    await alert.filter({ hasText: `does not know this key (key id ${pemKeyId})` }).waitFor();
    check(true, "a PEM key file is read, with the key id the CLI prints");
    // The two refusals above are logged by Chromium as failed loads (401); nothing else may be.
    const refused = problems.splice(0).filter((p) => !/status of 401/.test(p));
    problems.push(...refused);

    // The brewery signs in with its test-only key file.
    await signIn(page, demo.base, join(root, "fixtures/keys/test-only-brewery.seed"));
    await page.getByRole("heading", { name: "Waybills", level: 1 }).waitFor();
    check(await page.getByRole("link", { name: "Waybills" }).count() === 1, "navigation has Waybills");
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    const count = await rows.count();
    check(count > 0, `the brewery sees its waybills (${count})`);
    await page.screenshot({ path: join(shots, "waybills.png"), fullPage: true });

    // Status filter: every row shown has the chosen status.
    const firstStatus = (await rows.first().locator("td").first().innerText()).trim();
    check(STATUS_WORDS.includes(firstStatus), `status in words: ${firstStatus}`);
    await page.getByLabel("Status").selectOption({ label: firstStatus });
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/status=/);
    const onlyThat = await page
      .waitForFunction(
        (wanted) => {
          const cells = [...document.querySelectorAll("table tbody tr")].map((tr) => tr.querySelector("td")?.textContent?.trim());
          return cells.length > 0 && cells.every((s) => s === wanted);
        },
        firstStatus,
        { timeout: 10_000 },
      )
      .then(() => true, () => false);
    check(onlyThat, `the filter shows only ${firstStatus}`);

    // One waybill: heading with the number, status in words, signed history.
    const link = rows.first().getByRole("link");
    const number = (await link.innerText()).trim();
    await link.click();
    const heading = page.getByRole("heading", { level: 1, name: number });
    await heading.waitFor();
    check(true, `the waybill page's heading names ${number}`);
    const status = (await page.locator(".facts .status").first().innerText()).trim();
    check(STATUS_WORDS.includes(status), `the waybill's status in words: ${status}`);
    const history = page.locator("table.history tbody tr");
    await history.first().waitFor();
    const acts = await history.count();
    check(acts >= 1, `the signed history lists ${acts} act(s)`);
    const firstAct = await history.first().innerText();
    check(/Issued the waybill/.test(firstAct) && /Consignor: \S/.test(firstAct), "the first act is the consignor's issue, with its name");
    check(/[A-Za-z0-9_-]{43}/.test(firstAct), "each act shows its key id");
    await page.screenshot({ path: join(shots, "waybill.png"), fullPage: true });

    // Latviešu: the same page in Latvian, with the decimal comma.
    await page.getByLabel("Language").selectOption({ label: "Latviešu" });
    await page.getByRole("heading", { level: 1, name: `Pavadzīme ${number}` }).waitFor();
    check(await page.locator("html").getAttribute("lang") === "lv", "the document language follows the switch");
    check(await page.getByLabel("Valoda").count() === 1, "the Language select is labelled Valoda in Latvian");
    const amounts = await page.locator("td.num").allInnerTexts();
    check(amounts.some((a) => /\d,\d/.test(a)), "Latvian amounts use the decimal comma");
    await page.screenshot({ path: join(shots, "waybill-lv.png"), fullPage: true });
    await page.getByRole("link", { name: "Pavadzīmes" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Pavadzīmes" }).waitFor();
    await page.screenshot({ path: join(shots, "waybills-lv.png"), fullPage: true });

    // After a reload the token is gone (it lived in memory) but the key is
    // in IndexedDB: Sign in without choosing a file uses it.
    await page.reload();
    await page.getByText("This browser keeps the key").waitFor();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Waybills", level: 1 }).waitFor();
    check(true, "a reload signs in again with the key kept in IndexedDB");

    // A phone.
    const phone = await browser.newContext({ locale: "lv-LV", viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const phonePage = await watchedPage(phone, problems);
    // A Latvian browser: the labels are Latvian from the start.
    await phonePage.goto(`${demo.base}/`);
    await phonePage.getByLabel("Atslēgas fails").setInputFiles(join(root, "fixtures/keys/test-only-brewery.seed"));
    await phonePage.getByRole("button", { name: "Pieteikties" }).click();
    await phonePage.getByRole("heading", { level: 1, name: "Pavadzīmes" }).waitFor();
    check(await phonePage.locator("html").getAttribute("lang") === "lv", "a Latvian browser gets Latvian");
    await phonePage.screenshot({ path: join(shots, "waybills-phone-lv.png"), fullPage: true });
    await phone.close();

    // An authority (the police) sees every waybill, without the company's role filter;
    // the operator reads no waybills and is told so.
    const others = await browser.newContext({ locale: "en-GB" });
    const police = await watchedPage(others, problems);
    await signIn(police, demo.base, join(root, "fixtures/keys/test-only-police.seed"));
    await police.locator("table tbody tr").first().waitFor();
    const seen = await police.locator("table tbody tr").count();
    check(seen > count, `the police see every waybill (${seen})`);
    check(await police.getByLabel("My role").count() === 0, "no role filter for an authority");
    await police.screenshot({ path: join(shots, "waybills-police.png"), fullPage: true });
    await police.getByRole("button", { name: "Sign out" }).click();
    await police.getByLabel("Key file").setInputFiles(join(root, "fixtures/keys/test-only-operator.seed"));
    await police.getByRole("button", { name: "Sign in" }).click();
    await police.getByText("Only companies and authorities read waybills").waitFor();
    check(true, "the operator is told it reads no waybills");
    await others.close();

    await (await import("./camera.mjs")).cameraTests({ chromium, chromiumPath, base: demo.base, root, work, binary, shots, check, watchedPage, signIn, problems });
    await (await import("./inspect.mjs")).inspectTests({ browser, base: demo.base, root, work, binary, shots, check, watchedPage, signIn, problems });
    await (await import("./form.mjs")).run({ browser, base: demo.base, problems, check, watchedPage, signIn, shots, root });
    await (await import("./acts.mjs")).actsTests({ browser, base: demo.base, root, work, binary, shots, check, watchedPage, problems });
    await (await import("./keys.mjs")).keysTests({ browser, base: demo.base, root, shots, check, watchedPage, signIn, problems });
    await verifyTests({ browser, base: demo.base, root, shots, check, watchedPage, signIn, problems, binary });
    await (await import("./a11y.mjs")).showTests({ browser, base: demo.base, root, work, shots, check, watchedPage, problems });

    check(problems.length === 0, `no console error or CSP violation${problems.length ? `:\n  ${problems.join("\n  ")}` : ""}`);
    await context.close();
  } finally {
    await browser.close();
    demo.child.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
  }
  const size = await bundleSize();
  console.log(`web app JS+CSS: ${size.raw} bytes, ${size.gzip} bytes gzip (limit 204800)`);
  check(size.gzip <= 200 * 1024, "JS+CSS at most 200 KB compressed");
  console.log(`screenshots: ${shots}`);
  if (failures) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
