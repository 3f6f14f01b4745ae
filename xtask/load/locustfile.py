"""Load on a linli-server for `cargo xtask bench load` (xtask/src/bench_load.rs).

One scenario per run, named on locust's command line: SignIn (POST /v1/auth/login with the
password, each simulated user its own seeded resident, so no (phone, address) budget is
shared), NoticeRead (GET /v1/notices of the resident's community, signed in once) and
TicketCreate (POST /v1/tickets with a fresh Idempotency-Key each). The host is 127.0.0.1 only;
the server's CA comes in LINLI_CA; LINLI_MAX_REQUESTS bounds the count (the run stops there,
or at --run-time, whichever comes first).
"""

import itertools
import os
import uuid

from locust import HttpUser, constant, task

CA = os.environ["LINLI_CA"]
PASSWORD = os.environ.get("LINLI_PASSWORD", "demo1234")
PHONES = os.environ["LINLI_PHONES"].split(",")
MAX_REQUESTS = int(os.environ.get("LINLI_MAX_REQUESTS", "2000"))
_next_phone = itertools.count()
_sent = itertools.count(1)


class Resident(HttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        if not self.host.startswith("https://127.0.0.1:"):
            raise SystemExit("load is for 127.0.0.1 only")
        self.client.verify = CA
        self.phone = PHONES[next(_next_phone) % len(PHONES)]

    def count(self):
        if next(_sent) >= MAX_REQUESTS:
            self.environment.runner.quit()

    def sign_in(self, name=None):
        with self.client.post(
            "/v1/auth/login",
            json={"phone": self.phone, "password": PASSWORD},
            name=name or "sign-in (setup)",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
                return None
            return answer.json()["access_token"]


class SignIn(Resident):
    @task
    def sign_in_once(self):
        self.sign_in("POST /v1/auth/login")
        self.count()


class SignedIn(Resident):
    abstract = True

    def on_start(self):
        super().on_start()
        token = self.sign_in()
        self.client.headers["Authorization"] = f"Bearer {token}"
        me = self.client.get("/v1/me", name="me (setup)").json()
        membership = me["memberships"][0]
        self.membership_id = membership["id"]
        self.community_id = membership["community"]["id"]


class NoticeRead(SignedIn):
    @task
    def notices(self):
        self.client.get(
            f"/v1/notices?community_id={self.community_id}", name="GET /v1/notices"
        )
        self.count()


class TicketCreate(SignedIn):
    @task
    def create(self):
        ticket_id = str(uuid.uuid4())
        with self.client.post(
            "/v1/tickets",
            json={
                "id": ticket_id,
                "membership_id": self.membership_id,
                "kind": "repair",
                "category": "pipes",
                "place": "unit",
                "urgency": "normal",
                "description": "压测：卫生间地漏返水",
            },
            headers={"Idempotency-Key": ticket_id},
            name="POST /v1/tickets",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
        self.count()
