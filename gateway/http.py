"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): reading requests and
building responses. Pure functions over small value objects, so they are tested without nameko.

- POST with an `application/json` body {query, variables, operationName, extensions};
  GET with the same as query parameters (variables/extensions JSON-encoded), for queries only.
- Another body media type → 415; malformed JSON or no query → 400; a body over the limit → 413;
  another method → 405; a mutation over GET → 405 with `Allow: POST` (decided in execution.py,
  once the document is parsed).
- The response is `application/graphql-response+json` when the Accept header names it: then a
  document that does not parse or validate gets 400, as the spec asks. Otherwise it is
  `application/json`, where such errors come with 200 (what older clients expect).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from .assets import url_for
from .errors import BAD_REQUEST, request_error

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    args: Mapping[str, str] = field(default_factory=dict)      # query string parameters
    body: bytes = b""
    body_too_large: bool = False
    client: str = ""  # the peer's address; "" for in-process calls, which no rate limit applies to

    @classmethod
    def build(cls, method: str, headers: Mapping[str, str] | None = None, args: Mapping[str, str] | None = None,
              body: bytes | str = b"", body_too_large: bool = False) -> HttpRequest:
        return cls(method.upper(), {k.lower(): v for k, v in (headers or {}).items()}, dict(args or {}),
                   body.encode() if isinstance(body, str) else body, body_too_large)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: str

    def for_nameko(self) -> tuple[int, dict[str, str], str]:
        return self.status, self.headers, self.body

    def json(self):
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class RequestRejected(Exception):
    """The HTTP request cannot carry a GraphQL request at all: answered before any GraphQL work."""

    def __init__(self, status: int, message: str, code: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class GraphQLParams:
    query: str
    variables: dict | None = None
    operation_name: str | None = None
    extensions: dict | None = None


def read_werkzeug_request(request, max_bytes: int) -> HttpRequest:
    """Copy what the pipeline needs out of a werkzeug request, reading at most `max_bytes` of body.

    The declared length is checked before reading anything, and the read itself is capped, so a
    body without (or lying about) Content-Length cannot make us buffer more than the limit.
    """
    headers = {k.lower(): v for k, v in request.headers.items()}
    args = {k: request.args.get(k) for k in request.args}
    method = request.method.upper()
    client = request.remote_addr or ""
    if method != "POST":
        return HttpRequest(method, headers, args, client=client)
    if request.content_length is not None and request.content_length > max_bytes:
        return HttpRequest(method, headers, args, body_too_large=True, client=client)
    body = request.stream.read(max_bytes + 1)
    return HttpRequest(method, headers, args, body=body[:max_bytes], body_too_large=len(body) > max_bytes,
                       client=client)


def response_media_type(accept: str | None) -> str:
    """graphql-response+json only when the client names it (and does not prefer plain JSON)."""
    if not accept:
        return APPLICATION_JSON
    offers = parse_accept_header(accept, MIMEAccept)
    graphql_quality = _explicit_quality(offers, GRAPHQL_RESPONSE_JSON)
    if graphql_quality > 0 and graphql_quality >= _explicit_quality(offers, APPLICATION_JSON):
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON


def _explicit_quality(offers: MIMEAccept, media_type: str) -> float:
    return max((quality for value, quality in offers if value.lower() == media_type), default=0)


def wants_graphiql(request: HttpRequest) -> bool:
    """A browser opening /graphql: GET, no query, and text/html named in Accept."""
    if request.method != "GET" or request.args.get("query"):
        return False
    offers = parse_accept_header(request.header("accept") or "", MIMEAccept)
    return _explicit_quality(offers, "text/html") > 0


def parse_params(request: HttpRequest) -> GraphQLParams:
    """The GraphQL request carried by an HTTP request, or RequestRejected saying why there is none."""
    if request.body_too_large:
        raise RequestRejected(413, "the request body is larger than this server accepts", PAYLOAD_TOO_LARGE)
    if request.method == "GET":
        raw = {"query": request.args.get("query"), "operationName": request.args.get("operationName"),
               "variables": _json_parameter(request.args.get("variables"), "variables"),
               "extensions": _json_parameter(request.args.get("extensions"), "extensions")}
    elif request.method == "POST":
        raw = _json_body(request)
    else:
        raise RequestRejected(405, f"{request.method} is not supported: use POST (or GET for queries)",
                              METHOD_NOT_ALLOWED, {"Allow": "GET, POST"})
    return _params_from(raw)


def _json_body(request: HttpRequest) -> dict:
    media_type, options = parse_options_header(request.header("content-type") or "")
    if media_type.lower() != APPLICATION_JSON:
        raise RequestRejected(415, "send the GraphQL request as application/json", UNSUPPORTED_MEDIA_TYPE)
    if options.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise RequestRejected(415, "the request body must be UTF-8 encoded", UNSUPPORTED_MEDIA_TYPE)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestRejected(400, "the request body is not valid JSON", BAD_REQUEST) from None
    if isinstance(body, list):
        raise RequestRejected(400, "batched requests are not supported: send one operation per request",
                              BAD_REQUEST)
    if not isinstance(body, dict):
        raise RequestRejected(400, "the request body must be a JSON object", BAD_REQUEST)
    return body


def _json_parameter(value: str | None, name: str):
    if value in (None, ""):
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise RequestRejected(400, f"the {name} parameter is not valid JSON", BAD_REQUEST) from None


def _params_from(raw: dict) -> GraphQLParams:
    query, variables = raw.get("query"), raw.get("variables")
    operation_name, extensions = raw.get("operationName"), raw.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise RequestRejected(400, "the request has no query", BAD_REQUEST)
    if variables is not None and not isinstance(variables, dict):
        raise RequestRejected(400, "variables must be a JSON object", BAD_REQUEST)
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRejected(400, "operationName must be a string", BAD_REQUEST)
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestRejected(400, "extensions must be a JSON object", BAD_REQUEST)
    return GraphQLParams(query, variables, operation_name or None, extensions)


# --- responses ----------------------------------------------------------------------------
def json_response(status: int, payload: dict, media_type: str = APPLICATION_JSON,
                  headers: Mapping[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": f"{media_type}; charset=utf-8", **(headers or {})},
                        _json_text(payload))


# Values orjson would write differently from the stdlib below (dates, dataclasses, str and int
# subclasses) make it raise instead, and go to the stdlib.
_ORJSON_PLAIN = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _json_text(payload: dict) -> str:
    """Compact UTF-8 JSON. A response is plain data; orjson writes a page of 50 stations with staff and
    compliance several times faster than the stdlib, the same text but for how an exponent is spelt."""
    try:
        return orjson.dumps(payload, option=_ORJSON_PLAIN).decode()
    except TypeError:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def rejection_response(rejection: RequestRejected, media_type: str) -> HttpResponse:
    return json_response(rejection.status, {"errors": [request_error(rejection.message, rejection.code)]},
                         media_type, rejection.headers)


def graphiql_response() -> HttpResponse:
    return HttpResponse(200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
                        GRAPHIQL_PAGE)


# Development only (never served in production). GraphiQL and React are vendored under
# gateway/static/graphiql (scripts/vendor-graphiql.sh) and served by the gateway, so the page works
# offline. The header editor takes `{"Authorization": "Bearer <token>"}` (mint one with the CLI).
GRAPHIQL_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shegong GraphQL (development)</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="{url_for('graphiql/graphiql.min.css')}">
  <script src="{url_for('graphiql/react.production.min.js')}"></script>
  <script src="{url_for('graphiql/react-dom.production.min.js')}"></script>
  <script src="{url_for('graphiql/graphiql.min.js')}"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{url_for('graphiql/start.js')}"></script>
</body>
</html>
"""
