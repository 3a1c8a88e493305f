"""A webhook receiver for tests and the benchmark: a small HTTP server in a thread of the test process.

It verifies every message as the Standard Webhooks specification says, twice (the spec's `standardwebhooks`
verifier and an HMAC computed here), deduplicates by `webhook-id` as a careful receiver does, can fail the
first attempts of each message or answer slowly, and records when each attempt arrived."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


def independent_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the benchmark opens 20 connections at once; the default backlog is 5
    daemon_threads = True


class Receiver:
    def __init__(self, fail_first: int = 0, delay_seconds: float = 0.0):
        self.secret: str | None = None
        self.fail_first = fail_first
        self.delay_seconds = delay_seconds
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[float]] = {}  # webhook-id → monotonic times of its attempts
        self.accepted: dict[str, dict] = {}  # webhook-id → the body, once (deduplicated)
        self.rejected_signatures = 0
        self.duplicates = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(receiver.answer(dict(self.headers.items()), body))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, headers: dict, body: bytes) -> int:
        headers = {k.lower(): v for k, v in headers.items()}
        msg_id = headers.get("webhook-id", "")
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        signatures = headers.get("webhook-signature", "").split(" ")
        try:
            assert self.secret is not None
            Webhook(self.secret).verify(body, headers)
            assert independent_signature(self.secret, msg_id, headers["webhook-timestamp"], body) in signatures
        except Exception:
            with self.lock:
                self.rejected_signatures += 1
            return 401
        with self.lock:
            arrivals = self.arrivals.setdefault(msg_id, [])
            arrivals.append(time.monotonic())
            if len(arrivals) <= self.fail_first:
                return 500
            if msg_id in self.accepted:
                self.duplicates += 1
            else:
                self.accepted[msg_id] = json.loads(body)
        return 204
