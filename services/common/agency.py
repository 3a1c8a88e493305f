"""What an agency client may do, as a value: the scopes its access token carries.

An agency client's token says `role: agency`, its agency (`agency`) and its scopes as one RFC 9068 `scope`
string of `kind:value` words: `event:referral.made`, `region:321181`, `domain:disability`, `field:name`,
`mutation:answer_referral`, `roster:disability` (a roster source the client may import, with
`mutation:import_roster`). Each service reads them through `AgencyScopes.of(viewer)`; the gateway refuses a
root field the scopes do not name before anything runs (gateway/agency.py)."""
from __future__ import annotations

import base64
import hashlib
import urllib.parse
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .auth import Viewer, region_prefix
from .errors import OutOfScope, PermissionDenied, ValidationFailed

KINDS = {"event": "event_types", "region": "regions", "domain": "domains", "field": "fields_allowed",
         "mutation": "mutations", "roster": "roster_sources"}


@dataclass(frozen=True)
class AgencyScopes:
    event_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    fields_allowed: tuple[str, ...] = ()
    mutations: tuple[str, ...] = ()
    roster_sources: tuple[str, ...] = ()

    @classmethod
    def from_words(cls, words: list[str] | tuple[str, ...]) -> AgencyScopes:
        found: dict[str, list[str]] = {name: [] for name in KINDS.values()}
        for word in words:
            kind, _, value = word.partition(":")
            if kind in KINDS and value:
                found[KINDS[kind]].append(value)
        return cls(**{name: tuple(values) for name, values in found.items()})

    @classmethod
    def from_lists(cls, scopes: dict) -> AgencyScopes:
        return cls(**{name: tuple(scopes.get(name) or ()) for name in KINDS.values()})

    @classmethod
    def of(cls, viewer: Viewer) -> AgencyScopes:
        if not viewer.is_agency:
            raise PermissionDenied("only an agency's client has agency scopes")
        return cls.from_words(viewer.scopes)

    def words(self) -> list[str]:
        return [f"{kind}:{value}" for kind, name in KINDS.items() for value in getattr(self, name)]

    def to_lists(self) -> dict:
        return {name: list(getattr(self, name)) for name in KINDS.values()}

    def covers_region(self, region_code: str | None) -> bool:
        return region_code is not None and any(region_code.startswith(region_prefix(r)) for r in self.regions)

    def covers_domain(self, domain: str) -> bool:
        return domain in self.domains

    def require_mutation(self, name: str) -> None:
        if name not in self.mutations:
            raise OutOfScope(f"this agency client may not call {name}", {"scope": [f"mutation:{name} not granted"]})


def certificate_thumbprint(pem: str, field: str = "certificate_pem") -> str:
    """RFC 8705's `x5t#S256` of a PEM certificate: base64url (unpadded) SHA-256 of its DER encoding. Also takes
    the URL-escaped PEM a TLS terminator forwards (nginx `$ssl_client_escaped_cert`)."""
    text = urllib.parse.unquote(pem) if "%" in pem else pem
    try:
        certificate = x509.load_pem_x509_certificate(text.strip().encode())
    except ValueError:
        raise ValidationFailed.field(field, "not a PEM X.509 certificate") from None
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
