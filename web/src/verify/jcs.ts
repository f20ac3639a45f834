// RFC 8785 canonical JSON, as the service computes it (src/crypto/jcs.rs):
// what every act's signature covers and what event hashes and leaves are
// made of. `canonicalize` is the RFC author's implementation.

import canonicalize from "canonicalize";
import { utf8 } from "./encoding";

/** The RFC 8785 text of a JSON value; throws on what JCS refuses (NaN, lone surrogates). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("not a JSON value");
  return text;
}

/** The RFC 8785 UTF-8 bytes of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
