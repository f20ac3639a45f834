// C2SP signed notes, checkpoints and tlog-proofs, as src/note/ reads them:
// the log's verifier key (`GET /v1/log/key`), the log's signature on a
// checkpoint, and the proof text of `GET /v1/waybills/{id}/events/{n}/proof`.
// Parsing is as strict as the server's: a note is authenticated as exact
// bytes, so any leniency would be a second spelling of one statement.

import { concat, decodeBase64Strict, equalBytes, fromHex, sha256, utf8 } from "./encoding";
import { verifyEd25519 } from "./ed25519";

/** A log's note verifier key: name, 4-byte key id and Ed25519 public key (type 0x01). */
export interface NoteKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  rootHash: Uint8Array;
  extensions: string[];
}

export interface TlogProof {
  /** The `extra` line's bytes (here: the leaf). Not authenticated by itself. */
  extra: Uint8Array | undefined;
  index: bigint;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
}

const SIG_PREFIX = "\u2014 ";
const MAX_SIGNATURES = 100;
const MAX_PROOF_HASHES = 64;
const ED25519_TYPE = 0x01;

/** Non-empty, no whitespace, no '+', no control character. */
function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0000-\u001f]/u.test(name);
}

/** No ASCII control character but newline (so no CR either). */
function onlyNoteChars(text: string): boolean {
  return !/[\u0000-\u0009\u000b-\u001f]/.test(text);
}

/** Decimal without sign or leading zeros ("0" alone allowed), below 2^64. */
function parseDecimal(text: string): bigint | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < 1n << 64n ? n : undefined;
}

/** `SHA-256(name || 0x0A || 0x01 || public key)[:4]`. */
export async function noteKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  return (await sha256(concat(utf8(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey))).slice(0, 4);
}

/** Parses a vkey `<name>+<8 hex key id>+<base64(0x01 || key)>`; undefined if it is not one or its id does not match. */
export async function parseNoteKey(vkey: string): Promise<NoteKey | undefined> {
  const first = vkey.indexOf("+");
  const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
  if (second < 0) return undefined;
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const key = decodeBase64Strict(vkey.slice(second + 1));
  if (!validKeyName(name) || !/^[0-9a-f]{8}$/.test(idHex) || !key || key.length !== 33 || key[0] !== ED25519_TYPE) {
    return undefined;
  }
  const publicKey = key.slice(1);
  const keyId = fromHex(idHex);
  return equalBytes(keyId, await noteKeyId(name, publicKey)) ? { name, keyId, publicKey } : undefined;
}

interface SignatureLine {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

/** Splits a signed note into its text (final newline included) and signature lines. */
function parseNote(note: string): { text: string; signatures: SignatureLine[] } | undefined {
  if (!onlyNoteChars(note) || !note.endsWith("\n")) return undefined;
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return undefined;
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2, -1);
  if (note.length - (split + 2) < 1 || block.length === 0) return undefined;
  const signatures: SignatureLine[] = [];
  const seen = new Set<string>();
  for (const line of block.split("\n")) {
    if (signatures.length === MAX_SIGNATURES || !line.startsWith(SIG_PREFIX)) return undefined;
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(" ");
    if (space < 0) return undefined;
    const name = rest.slice(0, space);
    const raw = decodeBase64Strict(rest.slice(space + 1));
    if (!validKeyName(name) || !raw || raw.length < 5) return undefined;
    const keyId = raw.slice(0, 4);
    const id = `${name} ${[...keyId].join(",")}`;
    if (seen.has(id)) return undefined;
    seen.add(id);
    signatures.push({ name, keyId, signature: raw.slice(4) });
  }
  return { text, signatures };
}

/**
 * The text of `note` if `key` signed it. Lines of other keys are ignored
 * (witnesses); a line of `key` whose signature fails rejects the note.
 */
export async function openNote(note: string, key: NoteKey): Promise<string | undefined> {
  const parsed = parseNote(note);
  if (!parsed) return undefined;
  let verified = false;
  for (const line of parsed.signatures) {
    if (line.name !== key.name || !equalBytes(line.keyId, key.keyId)) continue;
    if (!(await verifyEd25519(key.publicKey, utf8(parsed.text), line.signature))) return undefined;
    verified = true;
  }
  return verified ? parsed.text : undefined;
}

/** Parses a checkpoint body (c2sp.org/tlog-checkpoint), strictly. */
export function parseCheckpointBody(body: string): Checkpoint | undefined {
  if (!onlyNoteChars(body) || !body.endsWith("\n")) return undefined;
  const [origin, sizeText, rootText, ...extensions] = body.slice(0, -1).split("\n");
  if (!origin || sizeText === undefined || rootText === undefined) return undefined;
  const size = parseDecimal(sizeText);
  const rootHash = decodeBase64Strict(rootText);
  if (size === undefined || !rootHash || rootHash.length !== 32 || extensions.some((e) => e === "")) return undefined;
  return { origin, size, rootHash, extensions };
}

/** A checkpoint signed by the log `key`, whose origin is the key's name; undefined otherwise. */
export async function openCheckpoint(note: string, key: NoteKey): Promise<Checkpoint | undefined> {
  const text = await openNote(note, key);
  const checkpoint = text === undefined ? undefined : parseCheckpointBody(text);
  return checkpoint && checkpoint.origin === key.name ? checkpoint : undefined;
}

/** Parses a c2sp.org/tlog-proof@v1 text (no signature verified). */
export function parseTlogProof(text: string): TlogProof | undefined {
  const lines = text.split("\n");
  if (lines[0] !== "c2sp.org/tlog-proof@v1") return undefined;
  let at = 1;
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith("extra ")) {
    extra = decodeBase64Strict(lines[at]?.slice(6) ?? "");
    if (!extra || extra.length === 0) return undefined;
    at++;
  }
  const indexLine = lines[at] ?? "";
  const index = indexLine.startsWith("index ") ? parseDecimal(indexLine.slice(6)) : undefined;
  if (index === undefined) return undefined;
  at++;
  const proof: Uint8Array[] = [];
  for (;;) {
    const line = lines[at++];
    if (line === undefined || at >= lines.length) return undefined;
    if (line === "") break;
    const hash = decodeBase64Strict(line);
    if (!hash || hash.length !== 32 || proof.length === MAX_PROOF_HASHES) return undefined;
    proof.push(hash);
  }
  const checkpoint = lines.slice(at).join("\n");
  const parsed = parseNote(checkpoint);
  if (!parsed || !parseCheckpointBody(parsed.text)) return undefined;
  return { extra, index, proof, checkpoint };
}
