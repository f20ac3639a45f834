#!/usr/bin/env python3
"""Independent check of witness cosignatures, written from the C2SP specs
(signed-note, tlog-checkpoint, tlog-cosignature) with nothing but Python's
standard library and the `cryptography` package (Ed25519).

    cosignature.py                      # the shared vector in ../shared/vectors/tlog
    cosignature.py NOTE LOG_VKEY WITNESS_VKEY...

With a note: the log's Ed25519 signature (type 0x01) must verify, and every
witness key given must have a valid `cosignature/v1` (type 0x04) line over
the checkpoint. Prints one line per verified signature; exits 1 on the
first failure.
"""

import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH = "\u2014 "


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def b64(s):
    raw = base64.b64decode(s, validate=True)
    if base64.b64encode(raw).decode() != s:
        fail(f"non-canonical base64 {s!r}")
    return raw


def parse_vkey(vkey):
    """<name>+<8 hex key id>+<base64(type || 32-byte key)>, key id checked."""
    name, key_id, key = vkey.strip().split("+", 2)
    key = b64(key)
    if len(key) != 33:
        fail(f"vkey {name}: key is not a type byte and 32 bytes")
    computed = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if computed.hex() != key_id:
        fail(f"vkey {name}: key id {key_id} is not {computed.hex()}")
    return {"name": name, "id": computed, "type": key[0], "key": Ed25519PublicKey.from_public_bytes(key[1:])}


def parse_note(note):
    if not note.endswith("\n"):
        fail("the note does not end with a newline")
    split = note.rindex("\n\n")
    text, block = note[: split + 1], note[split + 2 :]
    lines = []
    for line in block[:-1].split("\n"):
        if not line.startswith(EM_DASH):
            fail(f"not a signature line: {line!r}")
        name, sig = line[len(EM_DASH) :].split(" ")
        raw = b64(sig)
        lines.append((name, raw[:4], raw[4:]))
    return text, lines


def check_checkpoint_body(text, origin):
    lines = text[:-1].split("\n")
    if len(lines) < 3 or lines[0] != origin:
        fail(f"checkpoint origin {lines[0]!r} is not the log key's name {origin!r}")
    size = lines[1]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        fail(f"tree size {size!r} is not a canonical decimal")
    if len(b64(lines[2])) != 32:
        fail("the root hash is not 32 bytes")
    return int(size)


def verify(note, log_vkey, witness_vkeys):
    text, sigs = parse_note(note)
    log = parse_vkey(log_vkey)
    if log["type"] != 0x01:
        fail("the log key is not an Ed25519 note key (type 0x01)")
    size = check_checkpoint_body(text, log["name"])

    def find(key):
        found = [s for s in sigs if s[0] == key["name"] and s[1] == key["id"]]
        if not found:
            fail(f"no signature line by {key['name']}+{key['id'].hex()}")
        return found[0][2]

    try:
        log["key"].verify(find(log), text.encode())
    except InvalidSignature:
        fail(f"the log's signature by {log['name']} does not verify")
    print(f"ok: log {log['name']} signed size {size}")
    for vkey in witness_vkeys:
        witness = parse_vkey(vkey)
        if witness["type"] != 0x04:
            fail(f"witness key {witness['name']} is not a cosignature/v1 key (type 0x04)")
        sig = find(witness)
        if len(sig) != 8 + 64:
            fail(f"{witness['name']}: a cosignature/v1 is an 8-byte timestamp and 64 bytes")
        (timestamp,) = struct.unpack(">Q", sig[:8])
        if timestamp == 0 or timestamp >= 2**63:
            fail(f"{witness['name']}: timestamp {timestamp} out of range")
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
        try:
            witness["key"].verify(sig[8:], message)
        except InvalidSignature:
            fail(f"the cosignature by {witness['name']} does not verify")
        print(f"ok: witness {witness['name']} cosigned size {size} at {timestamp}")


def shared_vector():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "shared", "vectors", "tlog", "signed-note",
                        "checkpoint-cosignature-generated.json")
    with open(path, encoding="utf-8") as f:
        v = json.load(f)
    note = v["signed_checkpoint"]
    verify(note, v["log"]["vkey"], [v["witness"]["vkey"]])
    # The cosigned message is exactly the vector's.
    _, sigs = parse_note(note)
    ts = struct.unpack(">Q", [s for s in sigs if s[0] == v["witness"]["name"]][0][2][:8])[0]
    if ts != v["witness"]["cosignature_timestamp"]:
        fail("the vector's timestamp does not match")
    # One changed character in the checkpoint fails.
    tampered = note.replace("\n8\n", "\n9\n", 1)
    pid = os.fork()
    if pid == 0:
        sys.stdout = open(os.devnull, "w")
        verify(tampered, v["log"]["vkey"], [v["witness"]["vkey"]])
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WEXITSTATUS(status) == 0:
        fail("a tampered checkpoint verified")
    print("ok: a tampered checkpoint is refused")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        shared_vector()
    elif len(sys.argv) >= 4:
        with open(sys.argv[1], encoding="utf-8") as f:
            note = f.read()
        with open(sys.argv[2], encoding="utf-8") as f:
            log_vkey = f.read()
        keys = []
        for p in sys.argv[3:]:
            with open(p, encoding="utf-8") as f:
                keys.append(f.read())
        verify(note, log_vkey, keys)
    else:
        print(__doc__)
        sys.exit(2)
