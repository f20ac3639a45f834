#!/usr/bin/env python3
"""An independent check of a roadside QR code (docs/roadside.md), written
from the document, not from the Rust code: Base45 (PyPI `base45`), zlib
(the standard library), CBOR (PyPI `cbor2`), COSE_Sign1's Sig_structure by
hand and Ed25519 (PyPI `cryptography`).

usage: verify_qr.py QR_TEXT_FILE VKEY_FILE
Prints the summary as JSON and exits 0 when the code is authentic; exits 1
with the reason otherwise.
"""

import base64
import datetime
import hashlib
import json
import re
import sys
import zlib

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

STATUS = {1: "issued", 2: "in_transit", 3: "delivered", 4: "partially_accepted",
          5: "rejected", 6: "cancelled", 7: "declined"}


def fail(why):
    print(f"NOT AUTHENTIC: {why}", file=sys.stderr)
    sys.exit(1)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def service_key(vkey_line):
    # C2SP signed-note verifier key: name+hash+base64(0x01 || 32-byte key).
    name, _key_hash, key = vkey_line.strip().split("+", 2)
    raw = base64.b64decode(key)
    if len(raw) != 33 or raw[0] != 0x01:
        fail("the vkey is not an Ed25519 note key")
    return raw[1:]


def kid_of(public_key):
    # RFC 7638 thumbprint of the OKP JWK; kid = its first 8 bytes.
    x = base64.urlsafe_b64encode(public_key).rstrip(b"=").decode()
    jwk = '{"crv":"Ed25519","kty":"OKP","x":"%s"}' % x
    return hashlib.sha256(jwk.encode()).digest()[:8]


def main():
    text = open(sys.argv[1], encoding="utf-8").read().strip()
    public_key = service_key(open(sys.argv[2], encoding="utf-8").read())

    link, sep, fragment = text.partition("#")
    if not sep:
        fail("no '#'")
    m = re.search(r"/V/([A-Za-z2-7]{26})$", link, re.IGNORECASE)
    if not m:
        fail("the link does not end in /V/{token}")
    token_text = m.group(1).upper()
    token = base64.b32decode(token_text + "======")
    if len(token) != 16 or base64.b32encode(token).decode().rstrip("=") != token_text:
        fail("the token is not canonical base32 of 16 bytes")
    if re.search(r"%(?!20|25)", fragment):
        fail("a '%' that is not %20 or %25")
    payload = fragment.replace("%20", " ").replace("%25", "%")
    if not payload.startswith("EWB2:"):
        fail("no EWB2: prefix")
    compressed = base45.b45decode(payload[len("EWB2:"):])
    inflater = zlib.decompressobj()
    cose = inflater.decompress(compressed, 4096)
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        fail("not exactly one zlib stream")

    tagged = cbor2.loads(cose)
    if not isinstance(tagged, cbor2.CBORTag) or tagged.tag != 18:
        fail("not a COSE_Sign1 (tag 18)")
    protected_bytes, unprotected, summary_bytes, signature = tagged.value
    protected = cbor2.loads(protected_bytes)
    if protected != {1: -8, 4: kid_of(public_key)} or unprotected != {}:
        fail(f"unexpected headers {protected!r} {unprotected!r}")
    sig_structure = cbor2.dumps(["Signature1", protected_bytes, token, summary_bytes])
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, sig_structure)
    except InvalidSignature:
        fail("the signature does not verify")

    s = cbor2.loads(summary_bytes)
    if cbor2.dumps(s, canonical=True) != summary_bytes:
        fail("the summary is not deterministically encoded")
    known = set(range(1, 15))
    if not set(s) <= known or not known - {12} <= set(s):
        fail(f"unexpected summary keys {sorted(s)}")

    def party(p):
        name, reg_no, country = p
        return {"name": name, "reg_no": reg_no, "country": country}

    date = str(s[6])
    out = {
        "id": str(__import__("uuid").UUID(bytes=s[1])),
        "number": s[2],
        "status": STATUS[s[3]],
        "version": s[4],
        "log_index": s[5],
        "issue_date": f"{date[:4]}-{date[4:6]}-{date[6:]}",
        "issued_at": datetime.datetime.fromtimestamp(s[7], datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "consignor": party(s[8]),
        "carrier": party(s[9]),
        "consignee": party(s[10]),
        "vehicle_plate": s[11],
        "vehicle_country": s[13],
        "goods": {"lines": s[14][0], "gross_weight_kg": s[14][1], "excise": s[14][2]},
    }
    if 12 in s:
        out["trailer_plate"] = s[12]
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
