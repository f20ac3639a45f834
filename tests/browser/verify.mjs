// Browser tests of the in-browser verification (web/src/verify/, issue 11
// item 11), called from run.mjs with its browser, demo service and helpers:
// (a) the JS canonicalization, Ed25519, Merkle and signed-note code run in
//     Chromium against the vectors in tests/browser/vectors/ (copied from
//     ../shared/vectors, see vectors/SOURCE.md), with the server's verdicts;
// (b) an events answer tampered in flight (one byte of an act) shows
//     `Signature INVALID` in red, and no green tick for that act;
// (c) an honest waybill shows every act `Signature valid` and `In the log`,
//     in English and in Latvian;
// (d) an act signed elsewhere (the CLI, as the carrier) appears on the open
//     waybill page without a reload, checked like the others;
// (e) a log key other than the one the browser pinned on first use raises
//     the alarm and shows no act in the log until the person trusts it.
import { execFile } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** web/src/verify/ bundled for a test page (esbuild from the app's own build dependencies). */
async function verifyBundle(root) {
  const { build } = await import(join(root, "web/node_modules/esbuild/lib/main.js"));
  const out = await build({
    absWorkingDir: join(root, "web"),
    entryPoints: ["src/verify/index.ts"],
    bundle: true,
    format: "iife",
    globalName: "verify",
    target: ["chrome120"],
    write: false,
    logLevel: "warning",
  });
  return out.outputFiles[0].text;
}

async function json(path) {
  return JSON.parse(await readFile(path, "utf8"));
}

/** Every vector the page needs, read here (the page has no file access). */
async function loadVectors(dir) {
  const jcsDir = join(dir, "jcs/cyberphone-json-canonicalization/testdata");
  const jcs = [];
  for (const name of (await readdir(join(jcsDir, "input"))).sort()) {
    jcs.push({
      name,
      input: await readFile(join(jcsDir, "input", name), "utf8"),
      output: await readFile(join(jcsDir, "output", name), "utf8"),
    });
  }
  const merkle = { inclusion: [], consistency: [] };
  for (const kind of ["inclusion", "consistency"]) {
    const base = join(dir, "tlog/transparency-dev-merkle/testdata", kind);
    const names = (await readdir(base, { recursive: true })).filter((n) => n.endsWith(".json")).sort();
    for (const name of names) merkle[kind].push({ name: `${kind}/${name}`, ...(await json(join(base, name))) });
  }
  return {
    jcs,
    numbers: (await json(join(dir, "jcs/rfc8785/rfc8785-appendixB-numbers.json"))).vectors,
    rfc8032: (await json(join(dir, "ed25519/rfc8032/rfc8032-section7.1-ed25519.json"))).vectors,
    wycheproof: await json(join(dir, "ed25519/wycheproof/ed25519_test.json")),
    cctv: await json(join(dir, "ed25519/cctv/ed25519vectors.json")),
    merkle,
    tree: await json(join(dir, "tlog/derived/rfc6962-reference-tree.json")),
    checkpoint: await json(join(dir, "tlog/signed-note/checkpoint-cosignature-generated.json")),
    notes: (await json(join(dir, "tlog/signed-note/signed-note-upstream-vectors.json"))).vectors,
  };
}

/** Runs in the page: every vector through `globalThis.verify`; returns the failures by suite. */
async function runVectors(vectors) {
  const v = globalThis.verify;
  const results = {};
  const suite = (name) => (results[name] = { count: 0, failed: [] });
  const expect = (s, ok, what) => {
    s.count++;
    if (!ok) s.failed.push(what);
  };
  const b64 = (text) => v.decodeBase64Strict(text) ?? new Uint8Array(0);

  let s = suite("jcs");
  for (const t of vectors.jcs) expect(s, v.canonicalJson(JSON.parse(t.input)) === t.output, t.name);
  for (const t of vectors.numbers) {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(`0x${t.ieee754_hex}`));
    const number = view.getFloat64(0);
    let got = null;
    try {
      got = v.canonicalJson(number);
    } catch {
      got = null;
    }
    expect(s, got === t.expected, `number ${t.ieee754_hex}: got ${got}, want ${t.expected}`);
  }
  let lone = false;
  try {
    v.canonicalJson({ a: "\uDEAD" });
  } catch {
    lone = true;
  }
  expect(s, lone, "a lone surrogate is refused");

  s = suite("ed25519 rfc8032");
  for (const t of vectors.rfc8032) {
    const ok = await v.verifyEd25519(v.fromHex(t.public_key), v.fromHex(t.message), v.fromHex(t.signature));
    expect(s, ok, t.name);
    const bad = v.fromHex(t.signature);
    bad[0] ^= 1;
    expect(s, !(await v.verifyEd25519(v.fromHex(t.public_key), v.fromHex(t.message), bad)), `${t.name} with a flipped bit`);
  }
  s = suite("ed25519 wycheproof");
  for (const group of vectors.wycheproof.testGroups) {
    const pk = v.fromHex(group.publicKey.pk);
    for (const t of group.tests) {
      const ok = await v.verifyEd25519(pk, v.fromHex(t.msg), v.fromHex(t.sig));
      expect(s, ok === (t.result === "valid"), `tcId ${t.tcId} ${t.comment}: got ${ok}`);
    }
  }
  // The server's strict policy, as src/crypto/keys/tests.rs pins it: a
  // vector is accepted exactly when its only flags are low-order
  // components (43 of 914).
  s = suite("ed25519 cctv");
  let accepted = 0;
  for (const t of vectors.cctv) {
    const ok = await v.verifyEd25519(v.fromHex(t.key), new TextEncoder().encode(t.msg), v.fromHex(t.sig));
    const want = (t.flags ?? []).every((f) => f === "low_order_component_A" || f === "low_order_component_R");
    expect(s, ok === want, `#${t.number} ${JSON.stringify(t.flags)}: got ${ok}`);
    if (ok) accepted++;
  }
  expect(s, accepted === 43, `43 accepted, got ${accepted}`);

  s = suite("merkle");
  for (const t of vectors.merkle.inclusion) {
    const ok = await v.verifyInclusion(b64(t.leafHash), BigInt(t.leafIdx), BigInt(t.treeSize), (t.proof ?? []).map(b64), b64(t.root));
    expect(s, ok === !t.wantErr, `${t.name}: got ${ok}`);
  }
  for (const t of vectors.merkle.consistency) {
    const ok = await v.verifyConsistency(BigInt(t.size1), BigInt(t.size2), b64(t.root1), b64(t.root2), (t.proof ?? []).map(b64));
    expect(s, ok === !t.wantErr, `${t.name}: got ${ok}`);
  }
  const tree = vectors.tree;
  for (const [i, input] of tree.leaf_inputs_hex.entries()) {
    expect(s, v.hex(await v.leafHash(v.fromHex(input))) === tree.leaf_hashes_hex[i], `leaf hash ${i}`);
  }

  s = suite("signed notes");
  const cp = vectors.checkpoint;
  const logKey = await v.parseNoteKey(cp.log.vkey);
  expect(s, logKey && v.hex(logKey.keyId) === cp.log.key_id_hex, "the log's vkey parses, with its key id");
  const opened = logKey && (await v.openCheckpoint(cp.signed_checkpoint, logKey));
  expect(s, opened && opened.size === 8n && v.hex(opened.rootHash) === v.hex(b64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")), "the signed checkpoint opens with the log key (the witness line is ignored)");
  const forged = cp.signed_checkpoint.replace("\n8\n", "\n9\n");
  expect(s, logKey && !(await v.openCheckpoint(forged, logKey)), "a checkpoint with another size does not open");
  const witness = await v.parseNoteKey(cp.witness.vkey);
  expect(s, witness === undefined, "a cosignature/v1 vkey is not taken for a log key");
  expect(s, logKey && !(await v.openCheckpoint(cp.signed_checkpoint.replace("example.com/ewaybill-test-log\n8", "example.com/other-log\n8"), logKey)), "another origin does not open");
  for (const n of vectors.notes.filter((n) => n.vkey && n.signed_note)) {
    const key = await v.parseNoteKey(n.vkey);
    const text = key && (await v.openNote(n.signed_note, key));
    expect(s, typeof text === "string" && n.signed_note.startsWith(text), `${n.source}: opens`);
    const tampered = n.signed_note.replace(/^./, (c) => (c === "T" ? "t" : "T"));
    expect(s, key && !(await v.openNote(tampered, key)), `${n.source}: a changed text does not open`);
  }
  const enoch = vectors.notes.find((n) => n.signature_line);
  const peter = vectors.notes.find((n) => n.skey);
  if (enoch && peter) {
    const key = await v.parseNoteKey(enoch.vkey);
    const text = key && (await v.openNote(`${peter.text}\n${enoch.signature_line}`, key));
    expect(s, text === peter.text, "EnochRoot's signature line opens the same text");
  }
  return results;
}

function tamperOneByte(body) {
  // One digit of the first act's signed_at: the answer stays valid JSON.
  const at = body.indexOf('"signed_at":"');
  if (at < 0) return body;
  const i = at + '"signed_at":"'.length + 18;
  const c = body[i];
  const changed = c === "9" ? "0" : String.fromCharCode(c.charCodeAt(0) + 1);
  return body.slice(0, i) + changed + body.slice(i + 1);
}

/** The history's rows once the browser has checked them. */
async function checkedRows(page) {
  const rows = page.locator("table.history tbody tr");
  await rows.first().waitFor();
  await page.waitForFunction(() => !document.querySelector("table.history .muted"), null, { timeout: 20_000 });
  return rows.allInnerTexts();
}

const run = promisify(execFile);

/** Runs the CLI against the demo service; resolves with its standard output. */
async function cli(binary, base, args) {
  return (await run(binary, [...args, "--server", base], { encoding: "utf8" })).stdout;
}

export async function verifyTests({ browser, base, root, shots, check, watchedPage, signIn, problems, binary }) {
  // (a) The vectors, in the browser. A page of the service's own origin
  // (localhost is a secure context, so WebCrypto is there), answered by the
  // test itself so the bundle can be added as a script.
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.route(`${base}/__vectors`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>vectors</title>" }));
  await page.goto(`${base}/__vectors`);
  await page.addScriptTag({ content: await verifyBundle(root) });
  const results = await page.evaluate(runVectors, await loadVectors(join(root, "tests/browser/vectors")));
  for (const [name, r] of Object.entries(results)) {
    check(r.failed.length === 0 && r.count > 0, `in the browser, ${name}: ${r.count - r.failed.length}/${r.count} vectors${r.failed.length ? `; failed: ${r.failed.slice(0, 5).join("; ")}` : ""}`);
  }
  await context.close();

  // (c) An honest waybill: every act valid and in the log.
  const honest = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const brewery = await watchedPage(honest, problems);
  await signIn(brewery, base, join(root, "fixtures/keys/test-only-brewery.seed"));
  const list = brewery.locator("table tbody tr");
  await list.first().waitFor();
  // The waybill with the longest history the brewery can see.
  const delivered = list.filter({ hasText: /Delivered|Partially accepted|In transit/ }).first();
  const link = ((await delivered.count()) ? delivered : list.first()).getByRole("link");
  await link.click();
  const rows = await checkedRows(brewery);
  check(rows.length > 0 && rows.every((r) => r.includes("Signature valid") && r.includes("In the log") && r.includes("Chain intact")), `an honest waybill: all ${rows.length} act(s) Signature valid, Chain intact, In the log${rows.every((r) => r.includes("Signature valid") && r.includes("In the log") && r.includes("Chain intact")) ? "" : `: ${JSON.stringify(rows)}`}`);
  check(rows.every((r) => !/INVALID|NOT in the log|BROKEN/.test(r)), "an honest waybill shows no failure");
  check(await brewery.getByRole("status").filter({ hasText: "every signature is valid" }).count() === 1, "the summary says every signature is valid");
  await brewery.screenshot({ path: join(shots, "waybill-verified.png"), fullPage: true });
  const url = brewery.url();
  await brewery.getByLabel("Language").selectOption({ label: "Latviešu" });
  const lvRows = await checkedRows(brewery);
  check(lvRows.every((r) => r.includes("Paraksts derīgs") && r.includes("Ir žurnālā")), "in Latvian: Paraksts derīgs, Ir žurnālā");
  await brewery.screenshot({ path: join(shots, "waybill-verified-lv.png"), fullPage: true });
  await brewery.getByLabel("Valoda").selectOption({ label: "English" });

  // (d) Live: the brewery issues a waybill (CLI), opens it, and the
  // carrier's acceptance (CLI) appears without a reload.
  const doc = await json(join(root, "fixtures/waybills/brewery-beer.json"));
  doc.number = "BR-2026-LIVE01";
  const file = join(tmpdir(), `ewaybill-live-${process.pid}.json`);
  await writeFile(file, JSON.stringify(doc));
  const issued = JSON.parse(await cli(binary, base, ["issue", file, "--json", "--key", join(root, "fixtures/keys/test-only-brewery.seed")]));
  await rm(file, { force: true });
  const liveId = issued.waybill?.id;
  check(typeof liveId === "string", `the CLI issued a waybill (${liveId})`);
  await brewery.evaluate((id) => (location.hash = `#/waybills/${id}`), liveId);
  await brewery.getByRole("heading", { level: 1, name: "BR-2026-LIVE01" }).waitFor();
  check((await checkedRows(brewery)).length === 1, "the new waybill shows its one act");
  await cli(binary, base, ["act", liveId, "carrier.accept", "--key", join(root, "fixtures/keys/test-only-carrier_baltic.seed")]);
  const arrived = await brewery
    .waitForFunction(() => document.querySelectorAll("table.history tbody tr").length === 2, null, { timeout: 40_000 })
    .then(() => true, () => false);
  check(arrived, "the carrier's act appears without a reload");
  const liveRows = await checkedRows(brewery);
  check(liveRows.length === 2 && liveRows.every((r) => r.includes("Signature valid") && r.includes("In the log")), "the new act is checked too: Signature valid, In the log");
  check((await brewery.locator(".facts .status").first().innerText()).trim() === "In transit", "the status follows: In transit");
  await brewery.screenshot({ path: join(shots, "waybill-live.png"), fullPage: true });

  // (b) The honest waybill with one byte of an act changed in flight.
  const tampered = await honest.newPage();
  tampered.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await tampered.route(/\/v1\/waybills\/[^/]+\/events$/, async (route) => {
    const response = await route.fetch();
    route.fulfill({ response, body: tamperOneByte(await response.text()) });
  });
  // A new page has no token: it signs in with the key this browser keeps, and stays on the waybill.
  await tampered.goto(url);
  await tampered.getByText("This browser keeps the key").waitFor();
  await tampered.getByRole("button", { name: "Sign in" }).click();
  const bad = await checkedRows(tampered);
  check(bad[0]?.includes("Signature INVALID") && !bad[0]?.includes("Signature valid"), "a tampered act shows Signature INVALID");
  check(await tampered.locator("table.history tbody tr").first().locator(".verdict-bad").filter({ hasText: "Signature INVALID" }).count() === 1, "the failure is red and in words");
  check(await tampered.locator("table.history tbody tr").first().locator(".verdict-ok").filter({ hasText: "Signature" }).count() === 0, "no green tick on the tampered act's signature");
  check(await tampered.getByRole("alert").filter({ hasText: "found a problem" }).count() === 1, "the page announces the problem");
  await tampered.screenshot({ path: join(shots, "waybill-tampered.png"), fullPage: true });
  await tampered.close();

  // The service starts signing with another log key: the browser pinned the
  // first one it saw, so it says so and shows nothing as in the log.
  const swapped = await honest.newPage();
  swapped.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  const realKey = (await (await fetch(`${base}/v1/log/key`)).text()).trim();
  const otherKey = realKey.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
  await swapped.route(`${base}/v1/log/key`, (route) => route.fulfill({ contentType: "text/plain", body: `${otherKey}\n` }));
  await swapped.goto(url);
  await swapped.getByText("This browser keeps the key").waitFor();
  await swapped.getByRole("button", { name: "Sign in" }).click();
  const unpinned = await checkedRows(swapped);
  check(unpinned.every((row) => row.includes("NOT in the log")), "under a key other than the pinned one, no act is shown as in the log");
  const alarm = swapped.getByRole("alert").filter({ hasText: "key has CHANGED" });
  await alarm.waitFor();
  check((await alarm.innerText()).includes(otherKey), "the alarm shows the pinned and the served key");
  await swapped.screenshot({ path: join(shots, "waybill-log-key-changed.png"), fullPage: true });
  // Trusting it is the person's choice; then the old key is the stranger.
  await swapped.unroute(`${base}/v1/log/key`);
  await alarm.getByRole("button", { name: "Trust the new key" }).click();
  await swapped.getByText("This browser keeps the key").waitFor();
  await swapped.getByRole("button", { name: "Sign in" }).click();
  await swapped.getByRole("alert").filter({ hasText: "key has CHANGED" }).waitFor();
  check(true, "after trusting the other key, the real one is reported as a change");
  await swapped.getByRole("button", { name: "Trust the new key" }).click();
  await swapped.getByText("This browser keeps the key").waitFor();
  await swapped.getByRole("button", { name: "Sign in" }).click();
  const again = await checkedRows(swapped);
  check(again.every((row) => row.includes("In the log")), "trusting the real key again shows every act in the log");
  await honest.close();
}
