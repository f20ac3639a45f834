// Ed25519 keys in the browser: reading the key files the CLI writes,
// importing them into WebCrypto as non-extractable keys, keeping them in
// IndexedDB, the key id the server derives (RFC 7638 thumbprint) and the
// EdDSA client assertion that `POST /v1/auth/token` exchanges for a token.

import { fromBase64, sha256, toBase64url, utf8 } from "./b64";

/** A signing key of this browser: the private half never leaves WebCrypto. */
export interface DeviceKey {
  /** Non-extractable Ed25519 private key. */
  privateKey: CryptoKey;
  /** The raw public key, unpadded base64url (the JWK `x`). */
  publicKey: string;
  /** RFC 7638 thumbprint of the public key: the server's key id. */
  keyId: string;
}

/** Why a key file could not be used; `code` names the message to show. */
export class KeyError extends Error {
  constructor(readonly code: "key_file_format" | "key_unsupported") {
    super(code);
  }
}

const ED25519 = { name: "Ed25519" } as const;

// PKCS#8 v1 PrivateKeyInfo for Ed25519 (RFC 8410) up to the 32-byte seed.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function pkcs8FromSeed(seed: Uint8Array): Uint8Array {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  seed.fill(0);
  return der;
}

/**
 * The 32-byte seed of an Ed25519 PKCS#8 key, v1 (RFC 5208) or v2 with the
 * public key (RFC 5958, what `ewaybill keygen` writes). Browsers do not all
 * import v2, so the app always imports the v1 form built from the seed.
 */
function seedOfPkcs8(der: Uint8Array): Uint8Array {
  // SEQUENCE { INTEGER 0|1, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } ... }
  const head = [0x02, 0x01, -1, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
  const ok =
    der[0] === 0x30 &&
    der[1] === der.length - 2 &&
    (der[4] === 0 || der[4] === 1) &&
    head.every((byte, i) => byte < 0 || der[2 + i] === byte) &&
    der.length >= 2 + head.length + 32;
  if (!ok) throw new KeyError("key_file_format");
  return der.slice(2 + head.length, 2 + head.length + 32);
}

/**
 * The PKCS#8 DER of a key file's text. Two forms, as the CLI reads them
 * (src/client/keyfile.rs): PKCS#8 PEM (`ewaybill keygen`) or one line with
 * the 32-byte seed as unpadded base64url (fixtures/keys/*.seed).
 */
export function pkcs8FromKeyFile(text: string): Uint8Array {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith("-----BEGIN")) {
      const match = /^-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----$/.exec(trimmed);
      if (!match?.[1]) throw new KeyError("key_file_format");
      return pkcs8FromSeed(seedOfPkcs8(fromBase64(match[1])));
    }
    const seed = fromBase64(trimmed);
    if (seed.length !== 32 || /[+/=]/.test(trimmed)) throw new KeyError("key_file_format");
    return pkcs8FromSeed(seed);
  } catch (e) {
    throw e instanceof KeyError ? e : new KeyError("key_file_format");
  }
}

/** RFC 7638 thumbprint of the OKP JWK, as src/crypto/keys.rs computes it. */
export async function keyIdOf(publicKey: string): Promise<string> {
  const jwk = `{"crv":"Ed25519","kty":"OKP","x":"${publicKey}"}`;
  return toBase64url(await sha256(utf8(jwk)));
}

/**
 * Imports a key file. WebCrypto cannot derive the public key of a
 * non-extractable private key, so the key is imported once extractable to
 * read its public half (the JWK `x`), then again non-extractable; only the
 * second is kept.
 */
export async function importKeyFile(text: string): Promise<DeviceKey> {
  const der = pkcs8FromKeyFile(text);
  let publicKey: string;
  let privateKey: CryptoKey;
  try {
    const readable = await crypto.subtle.importKey("pkcs8", der as BufferSource, ED25519, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", readable);
    if (typeof jwk.x !== "string") throw new KeyError("key_file_format");
    publicKey = jwk.x;
    privateKey = await crypto.subtle.importKey("pkcs8", der as BufferSource, ED25519, false, ["sign"]);
  } catch (e) {
    if (e instanceof KeyError) throw e;
    // DataError: not an Ed25519 PKCS#8 key; NotSupportedError: no Ed25519 here.
    throw new KeyError(e instanceof DOMException && e.name === "NotSupportedError" ? "key_unsupported" : "key_file_format");
  } finally {
    der.fill(0);
  }
  return { privateKey, publicKey, keyId: await keyIdOf(publicKey) };
}

export async function sign(key: DeviceKey, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ED25519, key.privateKey, message as BufferSource));
}

/**
 * A single-use client assertion valid for two minutes, as
 * src/client/signing.rs builds it: a compact JWS with header
 * `{"alg":"EdDSA","typ":"JWT","kid":key_id}` and claims iss = key_id,
 * aud = "ewaybill", iat, exp, jti.
 */
export async function clientAssertion(key: DeviceKey, now: Date = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const header = { alg: "EdDSA", typ: "JWT", kid: key.keyId };
  const claims = { iss: key.keyId, aud: "ewaybill", iat, exp: iat + 120, jti: crypto.randomUUID() };
  const input = `${toBase64url(utf8(JSON.stringify(header)))}.${toBase64url(utf8(JSON.stringify(claims)))}`;
  return `${input}.${toBase64url(await sign(key, utf8(input)))}`;
}

// IndexedDB: one database, one store, the browser's current key under one name.
const DB_NAME = "ewaybill";
const STORE = "keys";
const CURRENT = "current";

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB unavailable"));
  });
}

async function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    });
  } finally {
    db.close();
  }
}

/** Keeps the key in IndexedDB (a CryptoKey is stored as is, still non-extractable). */
export function storeKey(key: DeviceKey): Promise<void> {
  return withStore<void>("readwrite", (store) => store.put(key, CURRENT));
}

export async function storedKey(): Promise<DeviceKey | undefined> {
  try {
    const found = await withStore<DeviceKey | undefined>("readonly", (store) => store.get(CURRENT));
    return found && found.privateKey instanceof CryptoKey ? found : undefined;
  } catch {
    return undefined;
  }
}

export function forgetKey(): Promise<void> {
  return withStore<void>("readwrite", (store) => store.delete(CURRENT));
}
