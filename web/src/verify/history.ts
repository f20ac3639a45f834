// One waybill's signed history checked in the browser, trusting nothing
// the server says beyond what can be checked: the model is the offline
// verifier (src/verifier/chain.rs and leaf.rs) and the tlog-proof holder's
// check (src/note/tlog_proof.rs with src/merkle/verify.rs).
//
// Per act:
// - signature: the key the act names is one of the waybill's registered
//   keys, its key id is the RFC 7638 thumbprint of its public key, it was
//   valid at the act's log index (registered before, not revoked before),
//   and the Ed25519 signature over the act's RFC 8785 bytes verifies;
// - chain: the act names this waybill, its hash (SHA-256 of the JCS of
//   `{"act", "signature"}`) is the one the server states, and its `prev`
//   is the hash recomputed from the previous act (null for the first);
// - receipt: the tlog-proof's checkpoint is signed by the log's key, its
//   leaf is the canonical `{"act", "received_at", "seq", "signature"}` of
//   exactly this act and signature at this index, and the RFC 9162
//   inclusion proof ties that leaf to the checkpoint's root.

import { keyIdOf } from "../keys";
import { decodeBase64urlStrict, hex, sha256 } from "./encoding";
import { verifyEd25519 } from "./ed25519";
import { canonicalBytes, canonicalJson } from "./jcs";
import { leafHash, verifyInclusion } from "./merkle";
import { type NoteKey, openCheckpoint, parseTlogProof } from "./note";

/** An act of the chain as `GET /v1/waybills/{id}/events` gives it. */
export interface ChainEvent {
  seq: number;
  log_index: number;
  hash: string;
  act: { waybill_id?: unknown; prev?: unknown; key_id?: unknown };
  signature: string;
}

/** A key as `GET /v1/waybills/{id}/keys` gives it. */
export interface RegisteredKey {
  key_id: string;
  public_key: string;
  registered_seq: number;
  revoked_seq?: number | null;
}

export interface ActVerdict {
  /** The signature verifies under a registered key valid at the act. */
  signature: boolean;
  /** The act is linked to its predecessor and its stated hash is its own. */
  chain: boolean;
  /** The log's signed checkpoint includes exactly this act. */
  inLog: boolean;
}

/** `key_valid_at` of src/verifier/replay.rs: registered before the act, not revoked before it. */
export function keyValidAt(registered: number, revoked: number | null | undefined, index: number): boolean {
  return registered < index && (revoked === null || revoked === undefined || index < revoked);
}

/** Lowercase hex SHA-256 of the JCS of `{"act", "signature"}`: src/ledger/event_hash.rs. */
export async function eventHash(act: unknown, signature: string): Promise<string> {
  return hex(await sha256(canonicalBytes({ act, signature })));
}

async function signatureValid(event: ChainEvent, keys: RegisteredKey[]): Promise<boolean> {
  const key = keys.find((k) => k.key_id === event.act.key_id);
  if (!key || (await keyIdOf(key.public_key)) !== key.key_id) return false;
  if (!keyValidAt(key.registered_seq, key.revoked_seq, event.seq)) return false;
  const publicKey = decodeBase64urlStrict(key.public_key);
  const signature = decodeBase64urlStrict(event.signature);
  if (!publicKey || !signature) return false;
  return verifyEd25519(publicKey, canonicalBytes(event.act), signature);
}

/** Whether `leaf` is the canonical leaf of exactly this act and signature at its index. */
function leafIsOf(leaf: Uint8Array, event: ChainEvent): boolean {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(leaf);
  const parsed: unknown = JSON.parse(text);
  if (canonicalJson(parsed) !== text || typeof parsed !== "object" || parsed === null) return false;
  const fields = parsed as Record<string, unknown>;
  return (
    Object.keys(fields).length === 4 &&
    typeof fields["received_at"] === "string" &&
    fields["seq"] === event.seq &&
    fields["signature"] === event.signature &&
    canonicalJson(fields["act"]) === canonicalJson(event.act)
  );
}

/** Whether the tlog-proof text shows this act in the log whose key is `logKey`. */
export async function receiptValid(proofText: string, event: ChainEvent, logKey: NoteKey): Promise<boolean> {
  const proof = parseTlogProof(proofText);
  if (!proof?.extra || proof.index !== BigInt(event.log_index) || event.log_index !== event.seq) return false;
  const checkpoint = await openCheckpoint(proof.checkpoint, logKey);
  if (!checkpoint || proof.index >= checkpoint.size) return false;
  if (!leafIsOf(proof.extra, event)) return false;
  return verifyInclusion(await leafHash(proof.extra), proof.index, checkpoint.size, proof.proof, checkpoint.rootHash);
}

/**
 * Verdicts for every act of `waybillId`'s chain, in chain order.
 * `receipts[i]` is the tlog-proof text of act i (undefined: none could be
 * fetched); `logKey` undefined means the log's key could not be read, so
 * no receipt can be trusted.
 */
export async function verifyHistory(
  waybillId: string,
  chain: ChainEvent[],
  keys: RegisteredKey[],
  receipts: (string | undefined)[],
  logKey: NoteKey | undefined,
): Promise<ActVerdict[]> {
  const verdicts: ActVerdict[] = [];
  let prev: string | null = null;
  for (const [i, event] of chain.entries()) {
    const verdict: ActVerdict = { signature: false, chain: false, inLog: false };
    try {
      const own = await eventHash(event.act, event.signature);
      verdict.chain = event.act.waybill_id === waybillId && event.act.prev === prev && own === event.hash;
      prev = own;
      verdict.signature = await signatureValid(event, keys);
      const receipt = receipts[i];
      verdict.inLog = receipt !== undefined && logKey !== undefined && (await receiptValid(receipt, event, logKey));
    } catch {
      // Text that is not canonical JSON, a lone surrogate, bad UTF-8: a
      // failure, shown as such, never a pass.
    }
    verdicts.push(verdict);
  }
  return verdicts;
}
