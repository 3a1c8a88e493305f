"""The gateway's nameko service: a thin adapter from the HTTP entrypoint to execution.py."""
from __future__ import annotations

import hashlib
import re
import uuid

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http

from services.common.config import settings
from services.common.health import OperationalEndpoints
from services.common.live import live_event_handler
from services.common.observability import CORRELATION_KEY, Observability, bind_correlation_id
from services.common.rpc import TimedServiceRpc, rpc_calls_made
from services.common.storage import IDEMPOTENCY_KEY
from services.contracts.supervision import ALERT_ACKNOWLEDGED, ALERT_ESCALATED, ALERT_RAISED, ALERT_RESOLVED

from . import alert_stream, assets, dashboard, exports, identity_http, public, reports_http, rosters_http
from .execution import GraphQLEndpoint
from .http import read_werkzeug_request
from .schema import COST_MODEL, schema

SERVICE = "gateway"
CORRELATION_HEADER = "X-Correlation-Id"
# A caller's correlation id is adopted only if it looks like one: it ends up in every log line.
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,200}$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)


class WorkerContext(DependencyProvider):
    """Gives the entrypoint its own worker context (for the RPC call count and context data)."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


class GatewayService(OperationalEndpoints):
    name = SERVICE
    ready_needs = ("broker",)  # the gateway owns no data: it needs the broker to reach the services

    observability = Observability()
    worker = WorkerContext()
    registry = TimedServiceRpc("registry")
    funding = TimedServiceRpc("funding")
    casework = TimedServiceRpc("casework")
    volunteers = TimedServiceRpc("volunteers")
    supervision = TimedServiceRpc("supervision")
    identity = TimedServiceRpc("identity")
    webhooks = TimedServiceRpc("webhooks")
    alerts = alert_stream.AlertStream()

    @http("GET,POST", "/graphql")
    def graphql(self, request):
        correlation_id = self._adopt_correlation_id(request.headers.get(CORRELATION_HEADER))
        self._adopt_idempotency_key(request.headers.get(IDEMPOTENCY_HEADER), request.headers.get("Authorization"))
        config = settings()
        response = ENDPOINT.handle(
            read_werkzeug_request(request, config.max_request_bytes),
            clients={"registry": self.registry, "funding": self.funding, "casework": self.casework,
                     "volunteers": self.volunteers, "supervision": self.supervision, "identity": self.identity,
                     "webhooks": self.webhooks},
            settings=config,
            correlation_id=correlation_id, rpc_calls=lambda: sum(rpc_calls_made(self.worker).values()))
        response.headers[CORRELATION_HEADER] = correlation_id
        return response.for_nameko()

    @live_event_handler(ALERT_RAISED, ALERT_ACKNOWLEDGED, ALERT_RESOLVED, ALERT_ESCALATED)
    def alert_changed(self, envelope):
        """Supervision's alert events, one queue per gateway process, to this process's open alert streams."""
        self.alerts.publish(envelope)

    @http("GET", "/events/alerts")
    def alert_events(self, request):
        """Server-sent events of the alerts the caller may see, scoped like `alerts` (gateway/alert_stream.py)."""
        return alert_stream.handle(request, self.alerts, settings().token_secret,
                                   identity_http.platform_keys({"identity": self.identity}))

    @http("GET", "/dashboard")
    def dashboard(self, request):
        """The officials' dashboard (gateway/dashboard.py): static modules that query /graphql with the user's token."""
        return dashboard.page_response().for_nameko()

    @http("POST", "/dashboard/export")
    def dashboard_export(self, request):
        """A dashboard table as CSV or Excel, logged in the registry's access log first (gateway/exports.py)."""
        config = settings()
        return exports.handle(request, self.registry, config.token_secret, config.max_request_bytes,
                              identity_http.platform_keys({"identity": self.identity}))

    @http("GET", "/reports/<string:report_id>.<string:fmt>")
    def report_download(self, request, report_id, fmt):
        """A kept report's PDF or workbook, scope-checked and logged by supervision (gateway/reports_http.py)."""
        return reports_http.report(request, self.supervision, report_id, fmt, settings().token_secret,
                                   identity_http.platform_keys({"identity": self.identity}))

    @http("GET", "/reports/evaluation/<string:station_id>.pdf")
    def evaluation_pack_download(self, request, station_id):
        """A station's evaluation pack for its commissioned evaluators and officials (gateway/reports_http.py)."""
        return reports_http.evaluation_pack(request, self.supervision, station_id, settings().token_secret,
                                            identity_http.platform_keys({"identity": self.identity}))

    @http("POST", "/rosters/<string:source>/imports")
    def roster_upload(self, request, source):
        """An agency's roster file (CSV or .xlsx), staged by casework and applied in the background."""
        return rosters_http.upload(request, self.casework, source, settings().token_secret,
                                   identity_http.platform_keys({"identity": self.identity}))

    @http("GET", "/rosters/imports/<string:import_id>/report.csv")
    def roster_report(self, request, import_id):
        """The row-by-row report of a roster import (masked), logged by casework."""
        return rosters_http.report(request, self.casework, import_id, settings().token_secret,
                                   identity_http.platform_keys({"identity": self.identity}))

    @http("GET", "/static/<path:path>")
    def static_asset(self, request, path):
        """The vendored scripts and styles of the gateway's own pages (gateway/assets.py)."""
        return assets.response(path, request.headers.get("Accept-Encoding"))

    # --- open data (gateway/public.py): stable URLs, no token ----------------------------------------
    @http("GET", "/public/ocds/releases.json")
    def ocds_releases(self, request):
        return public.ocds_package("releases", request.args, self.funding, settings().public_url()).for_nameko()

    @http("GET", "/public/ocds/records.json")
    def ocds_records(self, request):
        return public.ocds_package("records", request.args, self.funding, settings().public_url()).for_nameko()

    @http("GET", "/public/ocds/extension/<string:name>")
    def ocds_extension(self, request, name):
        return public.ocds_extension_file(name).for_nameko()

    @http("GET", "/public/ocds/publication-policy")
    def ocds_publication_policy(self, request):
        return public.publication_policy(settings().public_url()).for_nameko()

    @http("GET", "/public/asyncapi.json")
    def event_description(self, request):
        return public.event_description().for_nameko()

    @http("GET", "/public/hsds/directory.json")
    def hsds_directory(self, request):
        return public.hsds_directory(request.args, self.volunteers).for_nameko()

    # --- the platform issuer (gateway/identity_http.py) ------------------------------------------------
    @http("GET", "/.well-known/jwks.json")
    def jwks(self, request):
        return identity_http.jwks(self.identity).for_nameko()

    @http("GET", "/.well-known/openid-configuration")
    def openid_configuration(self, request):
        return identity_http.discovery(self.identity, settings().public_url()).for_nameko()

    @http("POST", "/auth/token")
    def token(self, request):
        header = settings().client_certificate_header
        return identity_http.token(self.identity, request.form, request.headers.get("Authorization"),
                                   request.remote_addr,
                                   certificate=request.headers.get(header) if header else None).for_nameko()

    @http("POST", "/auth/revoke")
    def revoke(self, request):
        return identity_http.revoke(self.identity, request.form).for_nameko()

    def _adopt_idempotency_key(self, offered: str | None, authorization: str | None) -> None:
        """The client's Idempotency-Key makes a retried request find its first effects (each call to
        a service gets a key derived from it); without one, the key still protects this request from
        a redelivery. Bound to the credentials, so one caller's key never matches another's request."""
        if offered is not None and not _IDEMPOTENCY_KEY.match(offered):
            offered = None  # a malformed key is no promise: treat the request as new
        base = offered or uuid.uuid4().hex
        self.worker.context_data[IDEMPOTENCY_KEY] = hashlib.sha256(
            f"{authorization or ''}\n{base}".encode()).hexdigest()[:32]

    def _adopt_correlation_id(self, offered: str | None) -> str:
        """Keep the caller's id when it sent a sane one, so one id follows the request through
        the caller's logs, ours and every service we call (nameko passes context data on)."""
        context = self.worker.context_data
        if offered and _CORRELATION_ID.match(offered):
            context[CORRELATION_KEY] = offered
            bind_correlation_id(offered)
        return context[CORRELATION_KEY]
