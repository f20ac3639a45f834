#!/usr/bin/env python3
"""Independent check of ewaybill's verifiable log, written from the specs
alone (RFC 9162 section 2.1, C2SP signed-note, tlog-checkpoint, tlog-proof),
with Python's `cryptography` package for Ed25519. It shares no code with the
Rust service.

    verify_log.py DIR

DIR holds: vkey.txt, checkpoint.txt (a signed note), entries.json (a JSON
list of standard-base64 leaves, index order), proofs/*.txt (tlog-proof
files), and optionally consistency.json ({"old": note, "new": note,
"proof": [base64, ...]}). Exits 0 when everything verifies, 1 otherwise.
"""

import base64
import hashlib
import json
import pathlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Bad(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(leaf):
    return sha256(b"\x00" + leaf)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def parse_vkey(vkey):
    name, key_id_hex, rest = vkey.strip().split("+", 2)
    key = base64.b64decode(rest, validate=True)
    if len(key) != 33 or key[0] != 0x01:
        raise Bad("vkey is not an Ed25519 key")
    key_id = bytes.fromhex(key_id_hex)
    if sha256(name.encode() + b"\n" + key)[:4] != key_id:
        raise Bad("vkey key id does not match its name and key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(key[1:])


def open_note(note, vkey):
    """Returns the note text if a signature by vkey verifies over it."""
    name, key_id, public = vkey
    if not note.endswith("\n"):
        raise Bad("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise Bad("note has no signature block")
    text, signatures = note[: split + 1], note[split + 2 :]
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            raise Bad("signature line does not start with an em dash and a space")
        signer, blob = line[2:].split(" ", 1)
        raw = base64.b64decode(blob, validate=True)
        if signer == name and raw[:4] == key_id:
            try:
                public.verify(raw[4:], text.encode())
            except InvalidSignature:
                raise Bad("the log's signature on the note does not verify")
            return text
    raise Bad("no signature by the log key")


def open_checkpoint(note, vkey):
    lines = open_note(note, vkey).split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if origin != vkey[0]:
        raise Bad("checkpoint origin is not the key's name")
    if str(size) != lines[1] or len(root) != 32:
        raise Bad("malformed checkpoint")
    return size, root


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise Bad("index beyond tree size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Bad("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Bad("inclusion proof does not verify")


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 section 2.1.4.2."""
    if first == 0 or first > second:
        raise Bad("bad sizes")
    if first == second:
        if proof or first_root != second_root:
            raise Bad("equal sizes need an empty proof and equal roots")
        return
    if first & (first - 1) == 0:  # a power of two
        proof = [first_root] + proof
    if not proof:
        raise Bad("empty consistency proof")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise Bad("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise Bad("consistency proof does not verify")


def mth(leaves):
    """RFC 9162 section 2.1.1, over leaf hashes."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def check_tlog_proof(text, vkey):
    header, _, rest = text.partition("\n")
    if header != "c2sp.org/tlog-proof@v1":
        raise Bad("not a tlog-proof")
    head, _, checkpoint = rest.partition("\n\n")
    lines = head.split("\n")
    extra = None
    if lines[0].startswith("extra "):
        extra = base64.b64decode(lines.pop(0)[6:], validate=True)
    if not lines[0].startswith("index "):
        raise Bad("tlog-proof has no index line")
    index = int(lines[0][6:])
    proof = [base64.b64decode(h, validate=True) for h in lines[1:]]
    size, root = open_checkpoint(checkpoint, vkey)
    if extra is None:
        raise Bad("tlog-proof carries no leaf")
    if json.loads(extra)["seq"] != index:
        raise Bad("the leaf's seq is not the proof's index")
    verify_inclusion(index, size, leaf_hash(extra), proof, root)
    return index


def main(directory):
    d = pathlib.Path(directory)
    vkey = parse_vkey((d / "vkey.txt").read_text())
    size, root = open_checkpoint((d / "checkpoint.txt").read_text(), vkey)
    leaves = [base64.b64decode(e) for e in json.loads((d / "entries.json").read_text())]
    if len(leaves) < size:
        raise Bad(f"only {len(leaves)} entries for a checkpoint of {size}")
    if mth([leaf_hash(x) for x in leaves[:size]]) != root:
        raise Bad("the entries do not hash to the checkpoint's root")
    for i, leaf in enumerate(leaves[:size]):
        if json.loads(leaf)["seq"] != i:
            raise Bad(f"entry {i} carries another seq")
    checked = [check_tlog_proof(p.read_text(), vkey) for p in sorted((d / "proofs").glob("*.txt"))]
    consistency = d / "consistency.json"
    if consistency.exists():
        c = json.loads(consistency.read_text())
        old_size, old_root = open_checkpoint(c["old"], vkey)
        new_size, new_root = open_checkpoint(c["new"], vkey)
        verify_consistency(old_size, new_size, old_root, new_root, [base64.b64decode(h) for h in c["proof"]])
    print(f"ok: checkpoint of {size} leaves, root recomputed, {len(checked)} tlog-proofs, "
          f"consistency {'checked' if consistency.exists() else 'not given'}")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (Bad, ValueError, KeyError, IndexError) as e:
        print(f"FAILED: {e}")
        sys.exit(1)
