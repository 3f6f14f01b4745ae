"""schemathesis hooks for tests/contract/run.py (loaded through SCHEMATHESIS_HOOKS).

- A tus PATCH (and a creation-with-upload POST) carries raw bytes as
  `application/offset+octet-stream`: the generated body is sent as bytes, as for
  `application/octet-stream`.
- An `Idempotency-Key` names one write: a client never sends one key with two different
  bodies (the server answers that 422 `idempotency-key-reused`, as documented), while a
  generator draws the same few values again and again. So a well-formed key (the pattern the
  document states) is made fresh for every request; a malformed one is sent as generated, and
  must be refused.
- The run's gate keeps its token: a manager revoking it (the revocation is in the contract)
  would leave every gate operation after it tested with a revoked token only, so a revocation
  naming it names a second gate of the community instead (run.py registers both).
"""

import json
import os
import re
import uuid
from pathlib import Path

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

DOCUMENT = Path(__file__).resolve().parent.parent.parent / "openapi" / "linli.v1.json"


def _key_pattern():
    doc = json.loads(DOCUMENT.read_text())
    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
                    return re.compile(parameter["schema"]["pattern"])
    raise SystemExit("the document states no Idempotency-Key pattern")


KEY = _key_pattern()


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and KEY.search(key):
        case.headers["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    if case.operation.path == "/v1/staff/gates/{id}/revoke":
        if str((case.path_parameters or {}).get("id")) == os.environ["LINLI_GATE_ID"]:
            case.path_parameters["id"] = os.environ["LINLI_DECOY_GATE_ID"]
