"""The alert push channel (issue 11): `GET /events/alerts`, server-sent events of the alerts the caller
may see, scoped exactly like the `alerts` query (the same `Scope`, narrowed by `?region=` the same way).

How the gateway learns of alerts: the supervision service's `alert.*` events, through the kernel's
`@live_event_handler` (services/common/live.py): one queue and one consumer per gateway process, whatever
the number of open streams, and no reads of supervision's store. Each event is offered to every open
stream of this process whose scope covers the alert's station and township; a stream gets the event's
ids and codes only (no notes: those may name people), and the dashboard reads the alert itself through
the `alerts` query, which checks the scope once more.

Authentication: the `Authorization: Bearer` header, like every other request. `EventSource` cannot send
headers, so the dashboard reads the stream with `fetch` instead; a token in the URL (or a ticket that
stands for it) would end up in access logs, browser history and proxies, and a ticket would need a store
shared by every gateway process, which the gateway does not have. The stream ends when the token expires
(the client reconnects with a fresh one and reads the feed again).

Bounded: at most MAX_STREAMS open streams per process (503 beyond), at most QUEUE_SIZE events waiting per
stream (a stream that falls further behind is closed; its client reconnects and re-reads the feed), and a
comment line every HEARTBEAT_SECONDS so proxies keep the connection and a gone client is noticed.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import jwt
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider

from services.common.auth import Viewer
from services.common.errors import Unauthenticated
from services.common.events import Envelope
from services.common.scope import Scope

MAX_STREAMS = 200
QUEUE_SIZE = 100
HEARTBEAT_SECONDS = 15.0
CLOSED = object()  # put on a stream's queue to end it
SHOWN_FIELDS = ("alert_id", "rule", "severity", "station_id", "region_code", "level", "escalated_to", "at",
                "first_seen")


@dataclass(eq=False)
class Stream:
    scope: Scope
    expires_at: float  # the token's exp, seconds since the epoch
    queue: LightQueue = field(default_factory=lambda: LightQueue(QUEUE_SIZE))
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def offer(self, item) -> bool:
        """False when the stream is too far behind (its queue is full)."""
        if self.queue.full():
            return False
        self.queue.put_nowait(item)
        return True


class TooManyStreams(Exception):
    pass


class AlertHub:
    """The open streams of one gateway process, and the fan-out of each alert event to those in scope."""

    def __init__(self, max_streams: int = MAX_STREAMS):
        self.max_streams = max_streams
        self._streams: set[Stream] = set()
        self._lock = threading.Lock()

    def open(self, scope: Scope, expires_at: float) -> Stream:
        with self._lock:
            if len(self._streams) >= self.max_streams:
                raise TooManyStreams
            stream = Stream(scope, expires_at)
            self._streams.add(stream)
            return stream

    def close(self, stream: Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def publish(self, envelope: Envelope) -> int:
        """Offer the event to every stream whose scope covers it; returns how many took it."""
        payload = envelope.payload
        message = sse_message(envelope)
        taken = 0
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            if not stream.scope.covers(payload["region_code"], payload["station_id"]):
                continue
            if stream.offer(message):
                taken += 1
            else:
                self.close(stream)
                stream.queue.get_nowait()  # room for the end mark
                stream.queue.put_nowait(CLOSED)
        return taken


def sse_message(envelope: Envelope) -> str:
    shown = {key: envelope.payload[key] for key in SHOWN_FIELDS if key in envelope.payload}
    data = json.dumps({"type": envelope.type, "occurredAt": envelope.occurred_at, **shown},
                      ensure_ascii=False, default=str)
    return f"id: {envelope.id}\nevent: {envelope.type}\ndata: {data}\n\n"


class AlertStream(DependencyProvider):
    """The process's hub, for the live event handler (publish) and the HTTP entrypoint (open streams)."""

    def setup(self):
        self.hub = AlertHub()

    def get_dependency(self, worker_ctx):
        return self.hub


def stream_scope(viewer: Viewer, region: str | None) -> Scope:
    """The `alerts` query's scope: signed in, the viewer's own scope narrowed to `region` when given
    (a division code or a 2- or 4-digit prefix; anything else is refused by `region_prefix`)."""
    if viewer.is_public:
        raise Unauthenticated("sign in to follow alerts")
    return Scope.of(viewer, within=region)


def token_expiry(authorization: str) -> float:
    """The verified token's `exp` (the signature was checked by viewer_from_authorization already)."""
    token = authorization.strip().partition(" ")[2].strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims.get("exp") or time.time() + 3600)


def events(hub: AlertHub, stream: Stream, heartbeat: float = HEARTBEAT_SECONDS):
    """The response body: a greeting, then each event, a comment line while idle; ends at token expiry."""
    try:
        yield f"retry: 3000\n: stream {stream.id}\n\n"
        while True:
            remaining = stream.expires_at - time.time()
            if remaining <= 0:
                yield "event: token-expired\ndata: {}\n\n"
                return
            try:
                item = stream.queue.get(timeout=min(heartbeat, remaining))
            except Empty:
                yield ": keep-alive\n\n"
                continue
            if item is CLOSED:
                yield "event: overflow\ndata: {}\n\n"
                return
            yield item
    finally:
        hub.close(stream)


def handle(request, hub: AlertHub, secret: str, jwks=None):
    """A werkzeug Response: the event stream, or a JSON error like GraphQL's."""
    from werkzeug.wrappers import Response

    from .auth import viewer_of_request
    from .errors import client_error, log_unexpected

    try:
        authorization = request.headers.get("Authorization")
        viewer = viewer_of_request(request.headers.get, secret, jwks=jwks)
        scope = stream_scope(viewer, request.args.get("region") or None)
        stream = hub.open(scope, token_expiry(authorization))
    except TooManyStreams:
        return Response(json.dumps({"errors": [{"message": "too many open streams; try again later",
                                                "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}), 503,
                        {"Content-Type": "application/json", "Retry-After": "30", "Cache-Control": "no-store"})
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        if not described.expected:
            log_unexpected(exc, where="alert stream")
        status = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "BAD_USER_INPUT": 400}.get(described.code, 500)
        body = json.dumps({"errors": [{"message": described.message, "extensions": described.extensions()}]},
                          ensure_ascii=False)
        return Response(body, status, {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})
    # eventlet's WSGI server gathers 4 KB before writing by default: each event must leave at once.
    request.environ["eventlet.minimum_write_chunk_size"] = 0
    headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
               "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"}
    return Response(events(hub, stream), 200, headers, direct_passthrough=True)
