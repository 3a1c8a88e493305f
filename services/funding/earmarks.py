"""Earmarks (专款专用): which service domains, regions and stations a source's money may pay for.

An earmark is data on the source, copied onto each budget line (narrowed to the line's domain when
it names one), and checked again at every disbursement. Empty lists mean "no restriction" within
the source's own region. Pure functions; reasons are written for the official who reads them.
"""
from __future__ import annotations

from services.common.auth import region_prefix
from services.common.errors import ValidationFailed
from services.contracts import funding as vocabulary

DOMAINS = vocabulary.FUNDING_DOMAINS
DOMAIN_TITLES = {
    "social_assistance": "社会救助", "elderly": "养老服务", "children": "儿童福利", "disability": "残疾人服务",
    "marriage_family": "婚姻家庭", "community_building": "社区建设", "social_affairs": "社会事务",
    "social_organisation_development": "社会组织发展", "public_welfare": "社会公益",
}

# The notice (§二(二)) names the purchase-of-service domains and the lottery fund's uses.
SOURCE_KINDS = vocabulary.SOURCE_KINDS
KIND_TITLES = {"fiscal": "财政预算", "purchase_of_service": "政府购买服务资金", "lottery": "彩票公益金",
               "charity": "慈善资金"}
REQUIRED_DOMAINS = {
    "purchase_of_service": ("social_assistance", "elderly", "children", "community_building", "social_affairs",
                            "social_organisation_development"),
    "lottery": ("elderly", "disability", "children", "public_welfare"),
}
# Lottery money "for public welfare" and undesignated fiscal or charity money may pay for any domain.
UNRESTRICTED_DOMAIN = "public_welfare"


def kind_domain_problem(kind: str, domain: str | None) -> str | None:
    required = REQUIRED_DOMAINS.get(kind)
    if required is not None:
        if domain not in required:
            return f"a {kind} source names its domain, one of {', '.join(required)}"
        return None
    if domain is not None and domain not in DOMAINS:
        return f"one of {', '.join(DOMAINS)}"
    return None


def normalise(kind: str, domain: str | None, region_code: str, earmark: dict) -> dict:
    """The stored earmark: a domain-bound source pays only for its domain unless narrowed further."""
    domains = list(dict.fromkeys(earmark.get("domains") or []))
    if domain and domain != UNRESTRICTED_DOMAIN:
        if not domains:
            domains = [domain]
        elif set(domains) != {domain}:
            raise ValidationFailed.field(
                "earmark.domains", f"money of a {kind} source for {domain} may only be earmarked for {domain}")
    prefix = region_prefix(region_code)
    regions = list(dict.fromkeys(earmark.get("region_codes") or []))
    outside = [code for code in regions if not code.startswith(prefix)]
    if outside:
        raise ValidationFailed.field("earmark.region_codes",
                                     f"{', '.join(outside)} outside the source's region {region_code}")
    stations = list(dict.fromkeys(earmark.get("station_ids") or []))
    outside = [s for s in stations if not s[2:].startswith(prefix)]
    if outside:
        raise ValidationFailed.field("earmark.station_ids",
                                     f"{', '.join(outside)} outside the source's region {region_code}")
    return {"domains": domains, "region_codes": regions, "station_ids": stations}


def narrow(earmark: dict, domain: str | None) -> dict:
    """A budget line that names a domain carries an earmark for that domain only."""
    if domain is None:
        return dict(earmark)
    return {**earmark, "domains": [domain]}


def problems(earmark: dict, *, domain: str | None, station_ids: list[str], region_codes: list[str],
             source_name: str, check_domain: bool = True) -> list[str]:
    """Every way paying for (domain, stations, regions) would break the earmark; empty if none."""
    found = []
    allowed_domains = earmark.get("domains") or []
    if check_domain and allowed_domains:
        allowed = "、".join(DOMAIN_TITLES.get(d, d) for d in allowed_domains)
        if domain is None:
            found.append(f"专款专用: {source_name} may pay only for {allowed}; this names no service domain")
        elif domain not in allowed_domains:
            found.append(f"专款专用: {source_name} may pay only for {allowed}, not {DOMAIN_TITLES.get(domain, domain)}")
    allowed_regions = earmark.get("region_codes") or []
    if allowed_regions:
        places = [*region_codes, *(s[2:] for s in station_ids)]
        outside = [p for p in places if not any(p.startswith(region_prefix(r)) for r in allowed_regions)]
        if outside:
            found.append(f"专款专用: {source_name} may pay only in {', '.join(allowed_regions)}; "
                         f"{', '.join(sorted(set(outside)))} is outside")
    allowed_stations = earmark.get("station_ids") or []
    if allowed_stations:
        others = [s for s in station_ids if s not in allowed_stations]
        if others:
            found.append(f"专款专用: {source_name} may pay only for stations {', '.join(allowed_stations)}; "
                         f"{', '.join(others)} is not one of them")
    return found
