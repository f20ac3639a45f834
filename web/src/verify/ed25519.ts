// Ed25519 verification with WebCrypto, under the service's strict policy
// (src/crypto: `PublicKey::from_bytes` + ed25519-dalek `verify_strict`).
//
// WebCrypto (BoringSSL, NSS, CommonCrypto) verifies with the cofactorless
// equation, refuses s >= l and compares the recomputed R byte for byte, so
// non-canonical R never verifies. What it does not refuse, and
// `verify_strict` does, are small-order A and R and a non-canonical A:
// those are refused here before WebCrypto is asked. With that the
// verdicts equal the server's on every CCTV edge-case vector
// (tests/browser/verify.mjs).

/** p = 2^255 - 19. */
const P = (1n << 255n) - 19n;

/**
 * The y coordinates of the eight points of small order (1, 2, 4 and 8):
 * 1, -1, 0 and the two of order 8. With y < p checked first, a point is of
 * small order exactly when its y is one of these, whatever its sign bit.
 */
const SMALL_ORDER_Y = new Set<bigint>([
  0n,
  1n,
  P - 1n,
  0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
  P - 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
]);

/** The y coordinate of an encoded point (little-endian, sign bit cleared). */
function yOf(encoded: Uint8Array): bigint {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? (encoded[i] ?? 0) & 0x7f : (encoded[i] ?? 0));
  return y;
}

/** A point encoding the strict policy can accept: canonical y and not of small order. */
function acceptablePoint(encoded: Uint8Array): boolean {
  if (encoded.length !== 32) return false;
  const y = yOf(encoded);
  return y < P && !SMALL_ORDER_Y.has(y);
}

/** Whether `signature` over `message` verifies under the raw 32-byte `publicKey`, strictly. */
export async function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== 64 || !acceptablePoint(publicKey) || !acceptablePoint(signature.subarray(0, 32))) {
    return false;
  }
  try {
    const key = await crypto.subtle.importKey("raw", publicKey as BufferSource, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature as BufferSource, message as BufferSource);
  } catch {
    // A point that is not on the curve: some browsers refuse it at import.
    return false;
  }
}
