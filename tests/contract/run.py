"""The contract held by clients nobody here wrote.

Starts a real linli-server (demo data, HTTPS with its own CA) in a fresh folder, gets the
three kinds of credentials the way their holders do (a resident signs in over the API; staff
and gate tokens come from the server's command line, as a property company issues them), and
then:

1. runs schemathesis against the committed document (openapi/linli.v1.json), every operation
   with the credential its security scheme names (schemathesis.toml): every check, positive
   and negative data, and the stateful phase over the links the document declares. Any failure fails the run; the few accepted ones are configured,
   each with its reason, in schemathesis.toml beside this file;
2. (first, on the fresh demo data) generates a Python client from the same document with openapi-python-client (any
   warning about the document fails the run), imports it and makes real calls with it: the
   public community list, and a signed-in resident's notices, each parsed into the generated
   models.

Usage: run.py --server target/debug/linli-server --work <empty folder> [--max-examples N]
Exits non-zero if either step fails; prints each step's wall time.
"""

import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DOCUMENT = ROOT / "openapi" / "linli.v1.json"
# A demo resident (crates/server/src/seed.rs): an owner in one community, a tenant in another.
RESIDENT_PHONE = "13800000001"
DEMO_PASSWORD = "demo1234"
COMMUNITY = "翠湖花园"
COMPANY = "安居物业服务有限公司"


def bin_dir():
    """The venv's scripts, next to the Python running this file."""
    return Path(sys.executable).parent


class Server:
    """A linli-server on a free port, stopped when the run ends."""

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", str(data_dir), "--addr", "127.0.0.1:0", "--demo"],
            stdout=subprocess.PIPE,
            stderr=open(data_dir.parent / "server.log", "wb"),
            text=True,
        )
        # The server prints one JSON line once it listens: its URL and its CA.
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"linli-server did not start; see {data_dir.parent / 'server.log'}")
        started = json.loads(line)
        self.url = started["url"].rstrip("/")
        self.ca = started["ca"]
        self.tls = ssl.create_default_context(cafile=self.ca)

    def cli(self, *args):
        """One JSON answer of the server's command line on the same data dir."""
        out = subprocess.run(
            [self.binary, *args, "--data-dir", str(self.data_dir)],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def post(self, path, body):
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, context=self.tls, timeout=30) as response:
            return json.loads(response.read())

    def get(self, path, token):
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, context=self.tls, timeout=30) as response:
            return json.loads(response.read())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def credentials(server):
    """The three kinds of credentials, by the environment variable schemathesis.toml reads."""
    resident = server.post(
        "/v1/auth/login", {"phone": RESIDENT_PHONE, "password": DEMO_PASSWORD}
    )["access_token"]
    staff = server.cli(
        "staff-add",
        "--name", "李娜",
        "--role", "manager",
        "--company", COMPANY,
        "--community", COMMUNITY,
    )["token"]
    gate = server.cli("gate-add", "--community", COMMUNITY, "--name", "东门人行道闸")
    # The manager's token may revoke any gate of the community (POST /v1/staff/gates/{id}/
    # revoke, found through GET /v1/staff/gates): hooks.py points that at this second gate, so
    # the run's own gate keeps its token and the gate's operations are tested signed in.
    decoy = server.cli("gate-add", "--community", COMMUNITY, "--name", "西门车行道闸")
    return {
        "LINLI_RESIDENT_TOKEN": resident,
        "LINLI_STAFF_TOKEN": staff,
        "LINLI_GATE_TOKEN": gate["token"],
        "LINLI_GATE_ID": gate["gate_id"],
        "LINLI_DECOY_GATE_ID": decoy["gate_id"],
    }


def config(server, work, tokens):
    """schemathesis.toml with this server's real households added as a dictionary that a
    `membership_id` is mostly drawn from: a made-up household is refused before anything is
    created (403), so without real ones the stateful phase would have nothing to follow."""
    me = server.get("/v1/me", tokens["LINLI_RESIDENT_TOKEN"])
    homes = [m["id"] for m in me["memberships"] if m["state"] == "active"]
    binding = '{ dictionary = "households", probability = 0.8 }'
    text = (HERE / "schemathesis.toml").read_text() + (
        "\n[dictionaries.households]\n"
        f"values = {json.dumps(homes)}\n\n"
        "[parameters]\n"
        f'"body.membership_id" = {binding}\n'
        f'"query.membership_id" = {binding}\n'
    )
    path = work / "schemathesis.toml"
    path.write_text(text)
    return path


def schemathesis(server, work, tokens, max_examples):
    """One run over every operation, each with the credential its security scheme names."""
    command = [
        str(bin_dir() / "schemathesis"),
        "--config-file", str(config(server, work, tokens)),
        "run", str(DOCUMENT),
        "--url", server.url,
        "--tls-verify", server.ca,
        "--checks", "all",
        "--mode", "all",
        "--max-examples", str(max_examples),
        "--seed", "11",
        "--report", "junit",
        "--report-dir", str(work / "schemathesis"),
        "--no-color",
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", **tokens)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    started = time.monotonic()
    result = subprocess.run(command, cwd=work, env=env)
    print(f"schemathesis: exit {result.returncode} in {time.monotonic() - started:.0f}s")
    return result.returncode == 0


def generated_client(server, work):
    """Generates a client from the document and makes real calls with it."""
    out = work / "generated"
    started = time.monotonic()
    result = subprocess.run(
        [
            str(bin_dir() / "openapi-python-client"),
            "generate",
            "--path", str(DOCUMENT),
            "--meta", "none",
            "--output-path", str(out / "linli_client"),
            "--config", str(HERE / "openapi-python-client.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    print(result.stdout, result.stderr, sep="")
    if result.returncode != 0 or "warning" in (result.stdout + result.stderr).lower():
        print("openapi-python-client: the document is not clean enough to generate from")
        return False
    sys.path.insert(0, str(out))
    from linli_client import AuthenticatedClient, Client
    from linli_client.api.auth import auth_login
    from linli_client.api.communities import communities_list
    from linli_client.api.notices import notices_detail, notices_list
    from linli_client.models import CommunityList, LoginRequest, Notice, NoticePage, TokenResponse

    public = Client(base_url=server.url, verify_ssl=server.tls)
    communities = communities_list.sync(client=public)
    assert isinstance(communities, CommunityList), f"the community list parses: {communities!r}"
    assert any(c.name == COMMUNITY for c in communities.items), "the demo community is listed"

    tokens_answer = auth_login.sync(
        client=public, body=LoginRequest(phone=RESIDENT_PHONE, password=DEMO_PASSWORD)
    )
    assert isinstance(tokens_answer, TokenResponse), f"sign-in parses: {tokens_answer!r}"
    resident = AuthenticatedClient(
        base_url=server.url, token=tokens_answer.access_token, verify_ssl=server.tls
    )
    page = notices_list.sync(client=resident, limit=5)
    assert isinstance(page, NoticePage), f"the notices parse: {page!r}"
    assert page.items and all(isinstance(n, Notice) for n in page.items), "demo notices"
    notice = notices_detail.sync(id=page.items[0].id, client=resident)
    assert isinstance(notice, Notice) and notice.id == page.items[0].id, "a notice's detail"
    print(
        f"generated client: {len(communities.items)} communities, {len(page.items)} notices, "
        f"in {time.monotonic() - started:.0f}s"
    )
    return True


def gate_still_signed_in(server, tokens):
    """The run's gate token outlived the run, so the gate's operations were tested signed in
    and not merely refused 401 after a generated revocation."""
    try:
        server.get("/v1/gate/keys", tokens["LINLI_GATE_TOKEN"])
    except urllib.error.HTTPError as err:
        print(f"the run's gate token was refused after the run ({err.code}): its operations "
              "were tested signed out")
        return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--work", required=True)
    # 25 per operation: about 3800 requests, under half a minute on two cores.
    parser.add_argument("--max-examples", type=int, default=25)
    args = parser.parse_args()
    work = Path(args.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    started = time.monotonic()
    server = Server(args.server, work / "data")
    ok = True
    try:
        tokens = credentials(server)
        # The generated client first: schemathesis's stateful phase may well end the demo
        # resident's households (DELETE /v1/memberships/{id} is in the contract).
        ok = generated_client(server, work)
        ok = schemathesis(server, work, tokens, args.max_examples) and ok
        ok = gate_still_signed_in(server, tokens) and ok
    finally:
        server.stop()
    print(f"contract tests: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f}s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
