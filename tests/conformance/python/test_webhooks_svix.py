"""Webhook deliveries verified with the `svix` package's own verifier, as a Vital customer's
backend would verify them. Registers an endpoint with the CLI (same data directory as the server),
connects a sandbox account through the SDK, and checks every delivery's signature and envelope.
"""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time
import uuid

import pytest
from svix.webhooks import Webhook, WebhookVerificationError
from vital import Vital

BASE = os.environ["VITAL_BASE_URL"]
KEY = os.environ["VITAL_API_KEY"]
BIN = os.environ["VITAL_LINK_BIN"]


class Receiver(http.server.BaseHTTPRequestHandler):
    got: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["content-length"]))
        Receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_deliveries_verify_with_svix(receiver):
    out = subprocess.run([BIN, "webhooks", "add", receiver], capture_output=True, text=True, check=True)
    secret = json.loads(out.stdout)["secret"]
    client = Vital(api_key=KEY, base_url=BASE)
    user = client.user.create(client_user_id=f"webhook-{uuid.uuid4().hex[:8]}")
    try:
        client.link.connect_demo_provider(user_id=user.user_id, provider="oura")
        deadline = time.time() + 60
        while time.time() < deadline:
            kinds = [json.loads(b)["event_type"] for _, b in Receiver.got if json.loads(b)["user_id"] == user.user_id]
            if "provider.connection.created" in kinds and "historical.data.sleep.created" in kinds:
                break
            time.sleep(0.5)
        mine = [(h, b) for h, b in Receiver.got if json.loads(b)["user_id"] == user.user_id]
        assert mine, "no delivery arrived"
        wh = Webhook(secret)
        for headers, body in mine:
            wh.verify(body, headers)  # raises if the signature or timestamp is wrong
            assert json.loads(body)["client_user_id"] == user.client_user_id
        kinds = {json.loads(b)["event_type"] for _, b in mine}
        assert {"provider.connection.created", "historical.data.sleep.created"} <= kinds, kinds
        # A tampered body or another secret does not verify.
        headers, body = mine[0]
        with pytest.raises(WebhookVerificationError):
            wh.verify(body.replace(b"oura", b"evil"), headers)
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "QUJD" * 8).verify(body, headers)
    finally:
        client.user.delete(user.user_id)
