"""Independent check of a Linli visitor pass with PyPI's `cwt` and `base45` (and `pycose`).

Reads JSON on stdin: {"payload": "VP1:...", "public_key_x": "<base64url Ed25519>", "kid": "<hex>",
"community_id": "...", "pass_id": "..."} and exits 0 only if libraries nobody here wrote accept
the signature and read the same claims. Prints what it checked.
"""
import base64
import json
import sys

import base45
import cwt
from cwt import COSEKey
from pycose.messages import Sign1Message
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519

req = json.load(sys.stdin)
payload = req["payload"]
assert payload.startswith("VP1:"), "prefix"
raw = base45.b45decode(payload[4:])
kid = bytes.fromhex(req["kid"])
x = base64.urlsafe_b64decode(req["public_key_x"] + "==")

# 1. cwt: verifies COSE_Sign1 and the CWT time claims (nbf/exp against the real clock).
key = COSEKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA",
                        "kid": kid.decode(),  # python-cwt takes the kid as text bytes
                        "x": req["public_key_x"]})
claims = cwt.decode(raw, keys=[key])
assert claims[1] == req["community_id"], f"iss {claims[1]!r}"
assert claims[7] == bytes.fromhex(req["pass_id"].replace("-", "")), "cti is the pass id"
private = claims[-65537]
assert private[1] >= 1 and isinstance(private[2], list), f"pass claim {private!r}"

# 2. pycose: the raw COSE_Sign1 (tag 18) with the same key.
msg = Sign1Message.decode(raw)
msg.key = OKPKey(crv=Ed25519, x=x)
assert msg.verify_signature(), "pycose verifies the signature"

# 3. A flipped byte must fail with cwt.
tampered = bytearray(raw)
tampered[len(tampered) // 2] ^= 1
try:
    cwt.decode(bytes(tampered), keys=[key])
except Exception:
    pass
else:
    raise SystemExit("a tampered pass verified")

print(json.dumps({"ok": True, "iss": claims[1], "exp": claims[4], "bytes": len(raw), "chars": len(payload)}))
