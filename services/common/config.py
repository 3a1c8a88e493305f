"""Every setting the platform reads, in one place, from the environment.

Local defaults let `make run` work with no configuration. The development secrets below are
refused when SHEGONG_ENV=production, so a forgotten variable fails loudly instead of shipping
a publicly known key.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

DEVELOPMENT_TOKEN_SECRET = "dev-only-token-secret-do-not-use-in-production"
# A valid Fernet key (32 url-safe base64 bytes) that is public by design: development only.
DEVELOPMENT_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE="

# HTTP port offsets from SHEGONG_PORT_BASE (8000): the gateway on the base port, services after it.
SERVICE_PORT_OFFSETS = {"gateway": 0, "registry": 1, "casework": 2, "volunteers": 3, "funding": 4, "supervision": 5,
                        "identity": 6, "webhooks": 7}


class ConfigurationError(RuntimeError):
    pass


def _int(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None


def _float(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None


def _json_list(env, name) -> tuple[dict, ...]:
    raw = env.get(name)
    if raw in (None, ""):
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a JSON list of objects") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigurationError(f"{name} must be a JSON list of objects")
    return tuple(value)


@dataclass(frozen=True)
class IdentitySettings:
    """Sign-in policy and the issuer's token lifetimes (services/identity, docs/identity.md)."""

    issuer: str = ""  # the `iss` of the platform's tokens; "" = the gateway's public URL
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    key_rotation_days: int = 30  # a signing key signs this long, then stays published for the overlap
    clock_skew_seconds: int = 60
    password_min_length: int = 10
    password_hash_memory_kib: int = 65536  # argon2id memory cost (RFC 9106's low-memory profile)
    lockout_failures: int = 5  # consecutive failures that lock an account
    lockout_minutes: int = 15
    failures_per_account: int = 10  # failed sign-ins accepted per account and per address within the window
    failures_per_address: int = 30
    failure_window_minutes: int = 15
    # Other OpenID Connect issuers whose tokens the gateway accepts (SHEGONG_OIDC_ISSUERS, a JSON list; each
    # {issuer, audience, discovery_url?, subject_prefix?, role_claim?, roles?, region_claim?, stations_claim?}:
    # services/common/tokens.py ExternalIssuer, docs/identity.md).
    external_issuers: tuple[dict, ...] = ()

    @classmethod
    def from_env(cls, env: dict) -> IdentitySettings:
        return cls(
            external_issuers=_json_list(env, "SHEGONG_OIDC_ISSUERS"),
            issuer=(env.get("SHEGONG_TOKEN_ISSUER") or "").rstrip("/"),
            access_token_minutes=_int(env, "SHEGONG_ACCESS_TOKEN_MINUTES", 15),
            refresh_token_days=_int(env, "SHEGONG_REFRESH_TOKEN_DAYS", 14),
            key_rotation_days=_int(env, "SHEGONG_SIGNING_KEY_ROTATION_DAYS", 30),
            clock_skew_seconds=_int(env, "SHEGONG_TOKEN_CLOCK_SKEW_SECONDS", 60),
            password_min_length=_int(env, "SHEGONG_PASSWORD_MIN_LENGTH", 10),
            password_hash_memory_kib=_int(env, "SHEGONG_PASSWORD_HASH_MEMORY_KIB", 65536),
            lockout_failures=_int(env, "SHEGONG_LOCKOUT_FAILURES", 5),
            lockout_minutes=_int(env, "SHEGONG_LOCKOUT_MINUTES", 15),
            failures_per_account=_int(env, "SHEGONG_SIGNIN_FAILURES_PER_ACCOUNT", 10),
            failures_per_address=_int(env, "SHEGONG_SIGNIN_FAILURES_PER_ADDRESS", 30),
            failure_window_minutes=_int(env, "SHEGONG_SIGNIN_FAILURE_WINDOW_MINUTES", 15),
        )


@dataclass(frozen=True)
class WebhookSettings:
    """How the webhooks service sends (services/webhooks, docs/integration-webhooks.md)."""

    timeout_seconds: float = 5.0  # connect + read timeout of one delivery attempt
    max_attempts: int = 8  # attempts before a delivery is dead-lettered
    retry_base_seconds: float = 5.0  # the first retry's delay; each later one doubles, with jitter
    retry_cap_seconds: float = 3600.0  # no delay grows beyond this
    concurrency: int = 20  # deliveries in flight at once, over every endpoint
    per_endpoint: int = 2  # deliveries in flight at once to one subscription's endpoint
    poll_seconds: float = 1.0  # how often the sender looks for due deliveries when idle
    secret_overlap_hours: int = 24  # after a rotation, the old secret signs too for this long
    delivered_retention_days: int = 90  # the delivery log forgets a delivered entry this long after its delivery
    dead_retention_days: int = 365  # and a dead letter nobody replayed this long after its event arrived

    @classmethod
    def from_env(cls, env: dict) -> WebhookSettings:
        return cls(
            timeout_seconds=_float(env, "SHEGONG_WEBHOOK_TIMEOUT_SECONDS", 5.0),
            max_attempts=_int(env, "SHEGONG_WEBHOOK_MAX_ATTEMPTS", 8),
            retry_base_seconds=_float(env, "SHEGONG_WEBHOOK_RETRY_BASE_SECONDS", 5.0),
            retry_cap_seconds=_float(env, "SHEGONG_WEBHOOK_RETRY_CAP_SECONDS", 3600.0),
            concurrency=_int(env, "SHEGONG_WEBHOOK_CONCURRENCY", 20),
            per_endpoint=_int(env, "SHEGONG_WEBHOOK_PER_ENDPOINT", 2),
            poll_seconds=_float(env, "SHEGONG_WEBHOOK_POLL_SECONDS", 1.0),
            secret_overlap_hours=_int(env, "SHEGONG_WEBHOOK_SECRET_OVERLAP_HOURS", 24),
            delivered_retention_days=_int(env, "SHEGONG_WEBHOOK_DELIVERED_RETENTION_DAYS", 90),
            dead_retention_days=_int(env, "SHEGONG_WEBHOOK_DEAD_RETENTION_DAYS", 365),
        )


@dataclass(frozen=True)
class Settings:
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    environment: str = "development"
    token_secret: str = DEVELOPMENT_TOKEN_SECRET
    encryption_keys: tuple[str, ...] = (DEVELOPMENT_ENCRYPTION_KEY,)
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    port_base: int = 8000
    max_workers: int = 10
    rpc_timeout_seconds: int = 10
    amqp_heartbeat: int = 15
    log_level: str = "INFO"
    graphql_max_depth: int = 10
    graphql_max_cost: int = 5000
    graphql_max_aliases: int = 30
    max_request_bytes: int = 1_048_576
    max_response_bytes: int = 4_194_304
    anonymous_requests_per_minute: int = 120
    anonymous_burst: int = 30
    event_max_retries: int = 5
    event_retry_base_ms: int = 1000
    database_prefix: str = "shegong"
    public_base_url: str = ""  # where the public reaches the gateway (open-data URLs); "" = this host and port
    # `shegong run` restarts a crashed child, but gives up when it crashes this often within the window.
    restart_limit: int = 5
    restart_window_seconds: int = 60
    # How long a command's first reply is kept for its retries (idempotency records, storage.py).
    idempotency_retention_hours: int = 48
    # A referral to a registered agency expires when its agency has not answered it within this many days.
    referral_expiry_days: int = 14
    # The request header in which the TLS terminator in front of the gateway forwards the client certificate it
    # verified (URL-escaped PEM, e.g. nginx `$ssl_client_escaped_cert`); "" = agency clients authenticate with
    # secrets only. The terminator must drop this header from what clients send.
    client_certificate_header: str = ""
    identity: IdentitySettings = field(default_factory=lambda: IdentitySettings())
    webhooks: WebhookSettings = field(default_factory=lambda: WebhookSettings())
    extra: dict = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def port_for(self, service: str) -> int:
        """SHEGONG_HTTP_PORT when set (one process, e.g. a container), else base + the service's offset."""
        if self.http_port:
            return self.http_port
        offset = SERVICE_PORT_OFFSETS.get(service)
        return 0 if offset is None else self.port_base + offset

    def public_url(self) -> str:
        """The base of the URLs the open data is published at (its packages name themselves by URL)."""
        return self.public_base_url or f"http://{self.http_host}:{self.port_for('gateway')}"

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}_{service}"

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        keys = tuple(k.strip() for k in env.get("SHEGONG_ENCRYPTION_KEY", "").split(",") if k.strip())
        settings = cls(
            amqp_uri=env.get("AMQP_URI") or cls.amqp_uri,
            mongo_uri=env.get("MONGO_URI") or cls.mongo_uri,
            environment=env.get("SHEGONG_ENV", "development"),
            token_secret=env.get("SHEGONG_TOKEN_SECRET") or DEVELOPMENT_TOKEN_SECRET,
            encryption_keys=keys or (DEVELOPMENT_ENCRYPTION_KEY,),
            http_host=env.get("SHEGONG_HTTP_HOST") or "127.0.0.1",
            http_port=_int(env, "SHEGONG_HTTP_PORT", None),
            port_base=_int(env, "SHEGONG_PORT_BASE", 8000),
            max_workers=_int(env, "SHEGONG_MAX_WORKERS", 10),
            rpc_timeout_seconds=_int(env, "SHEGONG_RPC_TIMEOUT_SECONDS", 10),
            amqp_heartbeat=_int(env, "SHEGONG_AMQP_HEARTBEAT", 15),
            log_level=env.get("SHEGONG_LOG_LEVEL", "INFO"),
            graphql_max_depth=_int(env, "SHEGONG_GRAPHQL_MAX_DEPTH", 10),
            graphql_max_cost=_int(env, "SHEGONG_GRAPHQL_MAX_COST", 5000),
            graphql_max_aliases=_int(env, "SHEGONG_GRAPHQL_MAX_ALIASES", 30),
            max_request_bytes=_int(env, "SHEGONG_MAX_REQUEST_BYTES", 1_048_576),
            max_response_bytes=_int(env, "SHEGONG_MAX_RESPONSE_BYTES", 4_194_304),
            anonymous_requests_per_minute=_int(env, "SHEGONG_ANONYMOUS_REQUESTS_PER_MINUTE", 120),
            anonymous_burst=_int(env, "SHEGONG_ANONYMOUS_BURST", 30),
            event_max_retries=_int(env, "SHEGONG_EVENT_MAX_RETRIES", 5),
            event_retry_base_ms=_int(env, "SHEGONG_EVENT_RETRY_BASE_MS", 1000),
            database_prefix=env.get("SHEGONG_DATABASE_PREFIX", "shegong"),
            public_base_url=(env.get("SHEGONG_PUBLIC_URL") or "").rstrip("/"),
            restart_limit=_int(env, "SHEGONG_RESTART_LIMIT", 5),
            restart_window_seconds=_int(env, "SHEGONG_RESTART_WINDOW_SECONDS", 60),
            idempotency_retention_hours=_int(env, "SHEGONG_IDEMPOTENCY_RETENTION_HOURS", 48),
            referral_expiry_days=_int(env, "SHEGONG_REFERRAL_EXPIRY_DAYS", 14),
            client_certificate_header=(env.get("SHEGONG_CLIENT_CERTIFICATE_HEADER") or "").strip(),
            identity=IdentitySettings.from_env(env),
            webhooks=WebhookSettings.from_env(env),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.environment not in ("development", "production"):
            raise ConfigurationError("SHEGONG_ENV must be 'development' or 'production'")
        if self.idempotency_retention_hours < 1:
            # 0 would purge a reply before its client's retry could arrive: every retry a duplicate.
            raise ConfigurationError("SHEGONG_IDEMPOTENCY_RETENTION_HOURS must be at least 1")
        if self.referral_expiry_days < 1:
            raise ConfigurationError("SHEGONG_REFERRAL_EXPIRY_DAYS must be at least 1")
        if self.production:
            if self.token_secret == DEVELOPMENT_TOKEN_SECRET or len(self.token_secret) < 32:
                raise ConfigurationError("production needs SHEGONG_TOKEN_SECRET "
                                         "(32+ characters, not the development default)")
            if DEVELOPMENT_ENCRYPTION_KEY in self.encryption_keys:
                raise ConfigurationError("production refuses the development SHEGONG_ENCRYPTION_KEY")

    def nameko_config(self, service: str) -> dict:
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.http_host}:{self.port_for(service)}",
            "max_workers": self.max_workers,
            "HEARTBEAT": self.amqp_heartbeat,
            "serializer": "json",
            "SHEGONG_SERVICE": service,
        }


_current: Settings | None = None


def settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def override(new: Settings | None) -> None:
    """Tests and the launcher replace the process settings here, nowhere else."""
    global _current
    _current = new
