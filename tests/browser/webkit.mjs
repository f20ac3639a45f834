// The web app in WebKit, the engine of Safari: Debian's WebKitGTK
// MiniBrowser under a virtual display (xvfb-run), driven through
// WebKitWebDriver (WebDriver classic) by selenium-webdriver, against the
// real binary in demo mode. Safari itself runs only on Apple systems; this
// checks what the engine decides: WebCrypto Ed25519 (importing a key file,
// generating a non-extractable key into IndexedDB), the in-browser
// verification of a waybill, a phone width, and no CSP violation once the
// app runs (WebDriver classic has no hook before the first script runs and
// no console log, so errors are collected by a listener added after load).
// Screenshots: target/screenshots/webkit-*.png.
//
//   node tests/browser/webkit.mjs [EWAYBILL_BINARY]
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, By, until } from "selenium-webdriver";
import { freePort, startDemo } from "./demo-service.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = resolve(root, process.argv[2] ?? "target/debug/ewaybill");
const shots = join(root, "target/screenshots");
const miniBrowser = process.env.WEBKIT_MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const WAIT = 30_000;

let failures = 0;
function check(condition, what) {
  console.log(`${condition ? "ok  " : "FAIL"} webkit: ${what}`);
  if (!condition) failures++;
}

/** WebKitWebDriver on a free port, under its own virtual display. */
async function startDriver() {
  const port = await freePort();
  const child = spawn("xvfb-run", ["-a", "WebKitWebDriver", `--port=${port}`], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`WebKitWebDriver did not start:\n${output}`)), 30_000);
    const seen = (chunk) => {
      output += chunk;
      if (/listening|Listening/.test(output)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => fail(new Error(`WebKitWebDriver exited with ${code}:\n${output}`)));
    // Older drivers print nothing: poll the status endpoint too.
    const poll = setInterval(async () => {
      const up = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false);
      if (up) {
        clearInterval(poll);
        clearTimeout(timer);
        done();
      }
    }, 250);
    timer.unref?.();
  });
  // The whole process group: xvfb-run, Xvfb and the driver.
  return { url: `http://127.0.0.1:${port}`, stop: () => process.kill(-child.pid, "SIGTERM") };
}

async function main() {
  await mkdir(shots, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "ewaybill-webkit-"));
  const demo = await startDemo(binary, root, work);
  const server = await startDriver();
  const driver = await new Builder()
    .usingServer(server.url)
    .withCapabilities({ browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: miniBrowser, args: ["--automation"] } })
    .build();
  const shot = async (name) => writeFile(join(shots, `webkit-${name}.png`), Buffer.from(await driver.takeScreenshot(), "base64"));
  const button = (text) => driver.wait(until.elementLocated(By.xpath(`//button[normalize-space()='${text}' and not(@disabled)]`)), WAIT);
  const mainText = () => driver.executeScript("return document.querySelector('main')?.innerText ?? ''");
  const waitForText = (pattern) => driver.wait(async () => pattern.test(await mainText()), WAIT, `waiting for ${pattern}`);
  const heading = (text) =>
    driver.wait(async () => (await driver.executeScript("return document.querySelector('h1')?.textContent")) === text, WAIT, `heading ${JSON.stringify(text)}`);
  const watch = () =>
    driver.executeScript(`window.__problems = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__problems.push("CSP violation: " + e.violatedDirective));
      window.addEventListener("error", (e) => window.__problems.push("error: " + e.message));
      window.addEventListener("unhandledrejection", (e) => window.__problems.push("unhandled: " + e.reason));`);
  const problems = [];
  const collect = async () => problems.push(...((await driver.executeScript("return window.__problems ?? []")) ?? []));
  try {
    await driver.manage().window().setRect({ width: 1280, height: 900 });
    const agent = await driver.executeScript("return navigator.userAgent");
    check(/AppleWebKit/.test(agent), `driving ${agent}`);

    // The demo's one-click sign-in: the key file imported with WebCrypto Ed25519.
    await driver.get(`${demo.base}/`);
    await watch();
    await (await button("Act as Demo Brewery SIA")).click();
    await heading("Waybills");
    check(true, "signed in with the demo brewery's key file");
    await driver.wait(until.elementLocated(By.css("table tbody tr a")), WAIT);
    await shot("waybills");

    // A waybill verified in the browser.
    await driver.findElement(By.css("table tbody tr a")).click();
    await waitForText(/Signature valid/);
    await waitForText(/In the log/);
    await driver.wait(async () => !/Checking the signatures/.test(await mainText()), WAIT);
    const text = await mainText();
    check(!/INVALID|BROKEN|NOT in the log/.test(text), "every act's signature valid, the chain intact and every receipt in the log");
    check(/Chain intact/.test(text), "the hash chain is checked");
    await shot("waybill");
    await collect();

    // A phone width, after a reload that signs in with the key kept in IndexedDB.
    const number = await driver.executeScript("return document.querySelector('h1').textContent");
    await driver.manage().window().setRect({ width: 360, height: 740 });
    await driver.navigate().refresh();
    await watch();
    // The kept key is read from IndexedDB first; the button signs in with it.
    await waitForText(/This browser keeps the key/);
    await (await button("Sign in")).click();
    await heading(number);
    check(true, "a reload signs in again with the key kept in IndexedDB, back on the waybill");
    await waitForText(/Signature valid/);
    const wide = await driver.executeScript("return document.documentElement.scrollWidth");
    const inner = await driver.executeScript("return window.innerWidth");
    // MiniBrowser keeps its window wider than a phone (about 450 px): the narrowest it allows.
    check(wide <= inner, `no sideways scrolling in a ${inner} px wide window (${wide} px)`);
    await shot("waybill-phone");

    // A key generated in WebKit, non-extractable, kept in IndexedDB.
    await driver.manage().window().setRect({ width: 1280, height: 900 });
    await (await button("Sign out")).click();
    await waitForText(/This browser keeps the key/);
    const before = await mainText();
    await (await button("Create a key for this browser")).click();
    // The new key replaces the kept one: wait for its public key, then for the new key id.
    const created = await driver.wait(until.elementLocated(By.css('[data-testid="new-public-key"]')), WAIT);
    check((await created.getText()).length === 43, "the new public key is shown (32 bytes, base64url)");
    await driver.wait(async () => {
      const now = await mainText();
      return /This browser keeps the key/.test(now) && now.match(/keeps the key (\S+)\./)?.[1] !== before.match(/keeps the key (\S+)\./)?.[1];
    }, WAIT, "the new key kept in place of the old");
    const extractable = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      const open = indexedDB.open("ewaybill");
      open.onsuccess = () => {
        const get = open.result.transaction("keys").objectStore("keys").get("current");
        get.onsuccess = () => done(get.result?.privateKey?.extractable);
      };`);
    check(extractable === false, "the generated key is kept in IndexedDB, not extractable");
    await shot("new-key");
    await (await button("Sign in")).click();
    await waitForText(/does not know this key/);
    check(true, "an unapproved key's sign-in is explained");
    await collect();
    check(problems.length === 0, `no CSP violation or script error${problems.length ? `:\n  ${problems.join("\n  ")}` : ""}`);
  } catch (error) {
    await shot("failed").catch(() => undefined);
    const h1 = await driver.executeScript("return document.querySelector('h1')?.textContent").catch(() => "?");
    console.log(`h1 ${JSON.stringify(h1)}; main text at failure:\n${await mainText().catch(() => "?")}`);
    throw error;
  } finally {
    await driver.quit().catch(() => undefined);
    server.stop();
    demo.child.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
  }
  if (failures) {
    console.log(`${failures} WebKit check(s) failed`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
