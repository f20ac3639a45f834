// RFC 9162 Merkle tree hashing and proof verification, as src/merkle/
// computes it: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left
// || right). A port of src/merkle/verify.rs, with the same rules beyond
// the RFC (the transparency-dev/merkle vectors pin them).

import { concat, equalBytes, sha256 } from "./encoding";

export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(Uint8Array.of(0x00), data));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(Uint8Array.of(0x01), left, right));
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function popCount(n: bigint): number {
  return [...n.toString(2)].filter((c) => c === "1").length;
}

/** Number of hashes in the inclusion proof of `index` in a tree of `size` (`index < size`). */
function inclusionProofLength(index: bigint, size: bigint): number {
  const inner = bitLength(index ^ (size - 1n));
  return inner + popCount(index >> BigInt(inner));
}

function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

function trailingZeros(n: bigint): number {
  let count = 0;
  while (n > 0n && (n & 1n) === 0n) {
    n >>= 1n;
    count++;
  }
  return count;
}

const all32 = (hashes: Uint8Array[]): boolean => hashes.every((h) => h.length === 32);

/**
 * Whether `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves
 * with root `root`, by the RFC 9162 §2.1.3.2 audit path `proof`.
 */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: bigint,
  size: bigint,
  proof: Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (leaf.length !== 32 || root.length !== 32 || !all32(proof)) return false;
  if (index < 0n || index >= size) return false;
  if (proof.length !== inclusionProofLength(index, size)) return false;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(r, root);
}

/**
 * Whether the tree of `oldSize` leaves with `oldRoot` is a prefix of the
 * tree of `newSize` leaves with `newRoot` (RFC 9162 §2.1.4.2). As in
 * src/merkle/verify.rs: `oldSize` 0 or above `newSize` is refused; equal
 * sizes need an empty proof and equal roots.
 */
export async function verifyConsistency(
  oldSize: bigint,
  newSize: bigint,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): Promise<boolean> {
  if (oldSize <= 0n || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldRoot.length !== 32 || newRoot.length !== 32 || !all32(proof)) return false;
  const expected =
    Math.max(0, inclusionProofLength(oldSize - 1n, newSize) - trailingZeros(oldSize)) + (isPowerOfTwo(oldSize) ? 0 : 1);
  if (proof.length !== expected) return false;
  let seed: Uint8Array;
  let rest: Uint8Array[];
  if (isPowerOfTwo(oldSize)) {
    seed = oldRoot;
    rest = proof;
  } else {
    const [first, ...others] = proof;
    if (!first) return false;
    seed = first;
    rest = others;
  }
  let fn = oldSize - 1n;
  let sn = newSize - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = seed;
  let sr = seed;
  for (const c of rest) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}
