// Keys made in this browser (issue 11, item 5): a fresh Ed25519 key pair,
// its private half non-extractable from the start, kept in IndexedDB like
// an imported key file, and the QR code a colleague scans to approve it.

import { encode } from "uqr";
import { toBase64url } from "./b64";
import { keyIdOf, KeyError, storeKey, type DeviceKey } from "./keys";

/** Generates a key for this browser and keeps it as the browser's key. */
export async function createBrowserKey(): Promise<DeviceKey> {
  let pair: CryptoKeyPair;
  try {
    pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  } catch {
    throw new KeyError("key_unsupported");
  }
  // The public half of a pair is always extractable; the private half is not.
  const publicKey = toBase64url(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)));
  const key: DeviceKey = { privateKey: pair.privateKey, publicKey, keyId: await keyIdOf(publicKey) };
  await storeKey(key);
  return key;
}

/** The dark modules of a QR code for `text`, as an SVG path (one unit per module, 4 of quiet zone). */
export function qrPath(text: string): { size: number; path: string } {
  const { data } = encode(text, { ecc: "M", border: 4 });
  let path = "";
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return { size: data.length, path };
}
