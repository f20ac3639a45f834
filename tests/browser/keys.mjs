// Keys made in the browser (issue 11, item 5): a newcomer's browser creates
// a key and shows it as text and QR code; a colleague of the same company
// (another browser context, signed in with the company's fixture key)
// approves it on the Keys page; the newcomer signs in with it; the
// colleague revokes it, and the newcomer's next sign-in is refused in words.
// Called from run.mjs with its helpers; screenshots under
// target/screenshots/keys-*.png.
import { join } from "node:path";

export async function keysTests({ browser, base, root, shots, check, watchedPage, signIn, problems }) {
  const shot = (page, name) => page.screenshot({ path: join(shots, `keys-${name}.png`), fullPage: true });
  const before = problems.length;

  // The newcomer's browser makes a key; the private half stays in WebCrypto.
  const mine = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const newcomer = await watchedPage(mine, problems);
  await newcomer.goto(`${base}/`);
  await newcomer.getByRole("button", { name: "Create a key for this browser" }).click();
  const publicKey = (await newcomer.getByTestId("new-public-key").innerText()).trim();
  const keyId = (await newcomer.getByTestId("new-key-id").innerText()).trim();
  check(/^[A-Za-z0-9_-]{43}$/.test(publicKey) && /^[A-Za-z0-9_-]{43}$/.test(keyId), "a new key's public key and key id are shown");
  check(await newcomer.getByRole("img", { name: `QR code of the public key, key id ${keyId}` }).count() === 1, "and its QR code");
  const extractable = await newcomer.evaluate(
    () =>
      new Promise((done) => {
        const open = indexedDB.open("ewaybill", 1);
        open.onsuccess = () => {
          const get = open.result.transaction("keys").objectStore("keys").get("current");
          get.onsuccess = () => done(get.result?.privateKey?.extractable);
        };
      }),
  );
  check(extractable === false, "the key kept in IndexedDB is not extractable");
  await newcomer.getByText(`This browser keeps the key ${keyId}`).waitFor();
  await shot(newcomer, "created");
  await newcomer.getByRole("button", { name: "Sign in" }).click();
  await newcomer.getByRole("alert").filter({ hasText: `does not know this key (key id ${keyId})` }).waitFor();
  check(true, "before approval the new key is unknown");

  // A colleague approves it by pasting the public key.
  const theirs = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const colleague = await watchedPage(theirs, problems);
  await signIn(colleague, base, join(root, "fixtures/keys/test-only-timber_mill.seed"));
  await colleague.getByRole("link", { name: "Keys" }).click();
  await colleague.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
  await colleague.getByLabel("Public key").fill(publicKey);
  await colleague.getByText(`Key id of this public key: ${keyId}`).waitFor();
  check(true, "the Keys page shows the key id of a pasted public key");
  await colleague.getByLabel("Label").fill("Yard tablet");
  await colleague.getByRole("button", { name: "Approve key" }).click();
  await colleague.getByRole("status").filter({ hasText: `Key ${keyId} is approved` }).waitFor();
  const row = colleague.locator("table.keys tbody tr", { hasText: keyId });
  check(/Yard tablet/.test(await row.innerText()) && /Active/.test(await row.innerText()), "the approved key is listed as active");
  await colleague.getByLabel("Public key").fill(publicKey);
  await colleague.getByRole("button", { name: "Approve key" }).click();
  await colleague.getByRole("alert").filter({ hasText: "already registered" }).waitFor();
  check(true, "approving it twice is explained");
  await shot(colleague, "approved");

  // The newcomer signs in with the browser's key.
  await newcomer.getByRole("button", { name: "Sign in" }).click();
  await newcomer.getByRole("heading", { level: 1, name: "Waybills" }).waitFor();
  check(true, "the approved browser key signs in");
  await newcomer.getByRole("link", { name: "Keys" }).click();
  await newcomer.locator("table.keys tbody tr", { hasText: keyId }).waitFor();
  await shot(newcomer, "signed-in");

  // The colleague revokes it; its next sign-in is refused in words.
  await colleague.getByRole("button", { name: `Revoke key ${keyId}` }).click();
  await colleague.getByRole("status").filter({ hasText: `Key ${keyId} is revoked` }).waitFor();
  // The list is read again after the status is announced: wait for it.
  const listed = await row.filter({ hasText: "Revoked" }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
  check(listed, "the revoked key is listed as revoked");
  await shot(colleague, "revoked");
  // The colleague's own key is now the company's last active one: the service keeps it.
  const own = colleague.locator("table.keys tbody tr", { hasText: "Active" });
  check(await own.count() === 1, "one active key is left");
  await own.getByRole("button", { name: /^Revoke key / }).click();
  await colleague.getByRole("alert").filter({ hasText: "last active key" }).waitFor();
  check(/Active/.test(await own.innerText()), "the last active key is refused in words and stays active");
  await shot(colleague, "last-key");
  await newcomer.getByRole("button", { name: "Sign out" }).click();
  await newcomer.getByRole("button", { name: "Sign in" }).click();
  await newcomer.getByRole("alert").filter({ hasText: "This key was revoked" }).waitFor();
  check(true, "a revoked browser key's sign-in is refused with a clear message");
  await shot(newcomer, "refused");
  await mine.close();
  await theirs.close();

  // The refused sign-ins and the refused second approval are logged by
  // Chromium as failed loads (401, 409: also the kept last key); nothing
  // else may be.
  const mineOnly = problems.splice(before).filter((p) => !/status of (401|409)/.test(p));
  problems.push(...mineOnly);
}
