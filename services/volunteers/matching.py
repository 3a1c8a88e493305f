"""Needs-to-resources matching (供需对接): a pure, deterministic ranking. No I/O here.

A need is scored against three kinds of candidates: volunteers, services of the resource library
and charity stock. Every score is the sum of five components with fixed ceilings, so a proposal's
breakdown explains it and scores are comparable across kinds:

    domain 25 · skills (or service / item fit) 25 · distance 20 · availability 15 · load 15

Hard constraints refuse a candidate outright (with a reason code that is counted, so an unmet
need says why): out of the county, no fit at all, no valid background check for a child-related
need, not available before the need is due, at capacity, not eligible, earmarked elsewhere.
Ties are broken by candidate id, so the same inputs always give the same ranking.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from services.contracts.vocabulary import ITEM_CATEGORIES as ITEM_CATEGORIES  # noqa: F401  (re-exported)
from services.contracts.vocabulary import SKILLS

WEIGHTS = {"domain": 25.0, "skills": 25.0, "distance": 20.0, "availability": 15.0, "load": 15.0}
DISTANCE_POINTS = {"community": 20.0, "township": 12.0, "county": 5.0}
# Days a need can wait when the assessment gave no date.
DEFAULT_WINDOW_DAYS = {"urgent": 3, "high": 7, "medium": 14, "low": 30}
# A volunteer free on this many days of the window gets the full availability points.
FULL_AVAILABILITY_DAYS = 3
PROPOSALS_PER_KIND = {"volunteer": 5, "resource": 3, "charity": 2}

REFUSAL_MESSAGES = {
    "no_fit": "offers nothing for this domain or need type",
    "no_background_check": "no valid background check (required for children's needs)",
    "not_available": "not available before the need is due",
    "at_capacity": "at capacity",
    "not_eligible": "eligibility excludes this household's groups",
    "earmarked": "stock on hand is earmarked for other domains, regions or groups",
}

# Skills a need type calls for. The codes are casework's vocabulary (services/casework/catalogue.py,
# whose codes are only ever added), plus a few for explicit requests; a need type outside this table
# falls back to its domain's skills.
NEED_TYPE_SKILLS = {
    "economic_status_investigation": {"policy_guidance"},
    "basic_living": {"policy_guidance", "companionship"},
    "medical_assistance": {"medical_care", "policy_guidance"},
    "education_assistance": {"tutoring", "policy_guidance"},
    "housing_assistance": {"home_repair", "policy_guidance"},
    "temporary_assistance": {"policy_guidance"},
    "resource_linking": {"policy_guidance"},
    "capacity_building": {"employment_coaching"},
    "daily_care": {"home_care", "housekeeping", "meal_delivery"},
    "disability_care": {"nursing", "home_care", "rehabilitation"},
    "dementia_care": {"nursing", "companionship"},
    "psychosocial_support": {"psychological_support", "companionship"},
    "relationship_adjustment": {"family_mediation", "counselling"},
    "social_participation": {"recreation", "companionship"},
    "minor_protection": {"legal_advice", "counselling"},
    "guardianship_support": {"parenting_education", "legal_advice"},
    "follow_up_verification": {"companionship", "policy_guidance"},
    "legal_education": {"legal_advice"},
    "safety_health_education": {"first_aid", "parenting_education"},
    "family_function": {"family_mediation", "parenting_education"},
    "study_support": {"tutoring"},
    "two_subsidies": {"policy_guidance"},
    "mental_health_rehabilitation": {"rehabilitation", "psychological_support"},
    "skills_training": {"employment_coaching"},
    "assistive_devices": {"rehabilitation"},
    "marriage_counselling": {"counselling", "family_mediation"},
    "domestic_violence_prevention": {"counselling", "legal_advice"},
    "domestic_violence_crisis": {"counselling", "legal_advice", "psychological_support"},
    "family_relationship": {"family_mediation", "counselling"},
    "policy_publicity": {"policy_guidance"},
    "community_participation": {"recreation"},
    "home_visit": {"companionship", "home_care"},
    "companionship": {"companionship", "psychological_support"},
    "psychological_support": {"psychological_support", "counselling"},
    "crisis_support": {"counselling", "psychological_support"},
    "tutoring": {"tutoring"},
    "homework_help": {"tutoring"},
    "parenting_education": {"parenting_education", "counselling"},
    "safety_education": {"parenting_education", "legal_advice"},
    "legal_aid": {"legal_advice"},
    "policy_guidance": {"policy_guidance"},
    "application_help": {"policy_guidance"},
    "health_care": {"medical_care", "nursing"},
    "rehabilitation": {"rehabilitation", "nursing"},
    "home_care": {"home_care", "housekeeping", "nursing"},
    "meal_delivery": {"meal_delivery", "driving"},
    "transport": {"driving"},
    "home_repair": {"home_repair"},
    "employment_support": {"employment_coaching"},
    "family_counselling": {"counselling", "family_mediation"},
    "domestic_violence_support": {"counselling", "legal_advice"},
    "social_integration": {"companionship", "recreation"},
}
DOMAIN_SKILLS = {
    "social_assistance": {"policy_guidance", "companionship"},
    "elderly": {"companionship", "home_care"},
    "children": {"tutoring", "parenting_education"},
    "disability": {"rehabilitation", "home_care"},
    "marriage_family": {"counselling", "family_mediation"},
    "other": {"companionship"},
}
assert set().union(*NEED_TYPE_SKILLS.values(), *DOMAIN_SKILLS.values()) <= set(SKILLS)

# Which charity stock categories can meet which material need types.
NEED_TYPE_ITEM_CATEGORIES = {
    "basic_living": {"food", "daily_necessities", "clothing", "money"},
    "medical_assistance": {"medical_supplies", "money"},
    "education_assistance": {"school_supplies", "money"},
    "housing_assistance": {"money"},
    "temporary_assistance": {"money", "food", "daily_necessities"},
    "material_assistance": {"food", "clothing", "daily_necessities", "money"},
    "food": {"food", "money"},
    "clothing": {"clothing"},
    "daily_necessities": {"daily_necessities"},
    "school_supplies": {"school_supplies", "money"},
    "assistive_devices": {"assistive_devices"},
    "medical_supplies": {"medical_supplies"},
    "financial_hardship": {"money"},
    "emergency_relief": {"money", "food", "daily_necessities"},
}


@dataclass(frozen=True)
class Need:
    need_id: str
    domain: str
    need_type: str
    severity: str
    beneficiary_groups: frozenset
    child_related: bool
    needed_by: date | None
    township_code: str
    community_code: str | None

    @property
    def county_code(self) -> str:
        return self.township_code[:6]

    @property
    def region_code(self) -> str:
        """The most precise place of the household: community if known, else township."""
        return self.community_code or self.township_code


@dataclass(frozen=True, slots=True)
class VolunteerCandidate:
    id: str
    name: str
    community_code: str
    skills: frozenset
    domains: frozenset
    weekdays: frozenset  # ISO weekdays (1 = Monday) with at least one availability slot
    background_valid_until: str | None  # ISO date of a passed check's expiry; None = none
    load: int
    max_load: int

    @property
    def township_code(self) -> str:
        return self.community_code[:9]


@dataclass(frozen=True, slots=True)
class ServiceOffer:
    service_id: str
    name: str
    domain: str
    need_types: frozenset
    capacity: int
    eligible_groups: frozenset  # empty: everyone
    weekdays: frozenset  # empty: by appointment, any day
    load: int


@dataclass(frozen=True, slots=True)
class ResourceCandidate:
    id: str
    name: str
    kind: str
    township_code: str
    community_code: str | None
    services: tuple


@dataclass(frozen=True, slots=True)
class StockCandidate:
    id: str
    name: str
    category: str
    unit: str
    township_code: str
    lots: tuple  # ({"donation_id", "remaining", "restrictions", "received_on"}, ...)


def _no_reasons() -> list:
    return []


@dataclass(frozen=True)
class Scored:
    kind: str
    candidate_id: str
    candidate_name: str
    score: float
    parts: tuple  # the five components, in WEIGHTS order
    detail: dict = field(default_factory=dict)  # service_id, stock quantity...
    # Words and rounded parts are built only for the few candidates that become proposals.
    explain: Callable[[], list] = field(default=_no_reasons, compare=False, repr=False)

    @property
    def breakdown(self) -> dict:
        return {name: round(value, 2) for name, value in zip(WEIGHTS, self.parts, strict=False)}

    @property
    def reasons(self) -> list[str]:
        return self.explain()


@dataclass(frozen=True)
class Refused:
    kind: str
    candidate_id: str
    code: str


@lru_cache(maxsize=1024)
def skills_for(need: Need) -> frozenset:
    return frozenset(NEED_TYPE_SKILLS.get(need.need_type) or DOMAIN_SKILLS.get(need.domain) or DOMAIN_SKILLS["other"])


def item_categories_for(need: Need) -> set[str]:
    return NEED_TYPE_ITEM_CATEGORIES.get(need.need_type, set())


@lru_cache(maxsize=1024)
def window(need: Need, today: date) -> tuple[date, date]:
    """The days the need can be served: today until it is due (or a default by severity)."""
    if need.needed_by is not None and need.needed_by >= today:
        return today, need.needed_by
    return today, today + timedelta(days=DEFAULT_WINDOW_DAYS.get(need.severity, 14))


@lru_cache(maxsize=4096)
def days_available(weekdays: frozenset, start: date, end: date) -> int:
    if not weekdays:
        return 0
    span = (end - start).days + 1
    full_weeks, rest = divmod(span, 7)
    count = full_weeks * len(weekdays)
    first = start.isoweekday()
    count += sum(1 for offset in range(rest) if (first - 1 + offset) % 7 + 1 in weekdays)
    return count


def distance(need: Need, township_code: str, community_code: str | None) -> str | None:
    """'community', 'township', 'county' or None (outside the county: not a candidate)."""
    if need.community_code and community_code and community_code == need.community_code:
        return "community"
    if township_code == need.township_code:
        return "township"
    if township_code[:6] == need.county_code:
        return "county"
    return None


def background_check_valid(valid_until: str | None, on: date) -> bool:
    return valid_until is not None and valid_until >= on.isoformat()


def _scored(kind: str, candidate_id: str, name: str, parts: tuple, detail: dict, explain) -> Scored:
    return Scored(kind, candidate_id, name, round(sum(parts), 2), parts, detail, explain)


def score_volunteer(need: Need, volunteer: VolunteerCandidate, today: date) -> Scored | Refused:
    where = distance(need, volunteer.township_code, volunteer.community_code)
    if where is None:
        return Refused("volunteer", volunteer.id, "out_of_area")
    wanted = skills_for(need)
    matched = wanted & volunteer.skills
    domain_points = WEIGHTS["domain"] if need.domain in volunteer.domains else 0.0
    skill_points = WEIGHTS["skills"] * len(matched) / len(wanted)
    if domain_points == 0 and skill_points == 0:
        return Refused("volunteer", volunteer.id, "no_fit")
    if need.child_related and not background_check_valid(volunteer.background_valid_until, today):
        return Refused("volunteer", volunteer.id, "no_background_check")
    start, end = window(need, today)
    free_days = days_available(volunteer.weekdays, start, end)
    if free_days == 0:
        return Refused("volunteer", volunteer.id, "not_available")
    if volunteer.load >= volunteer.max_load:
        return Refused("volunteer", volunteer.id, "at_capacity")
    availability = WEIGHTS["availability"] * min(1.0, free_days / FULL_AVAILABILITY_DAYS)
    load = WEIGHTS["load"] * (1 - volunteer.load / volunteer.max_load)

    def explain() -> list[str]:
        reasons = [
            f"domain {need.domain}: {'yes' if domain_points else 'no'}",
            f"skills {', '.join(sorted(matched)) if matched else 'none'} of {', '.join(sorted(wanted))}",
            f"same {where}",
            f"free on {free_days} day(s) between {start.isoformat()} and {end.isoformat()}",
            f"{volunteer.load} of {volunteer.max_load} open tasks",
        ]
        if need.child_related:
            reasons.append(f"background check valid until {volunteer.background_valid_until}")
        return reasons
    return _scored("volunteer", volunteer.id, volunteer.name,
                   (domain_points, skill_points, DISTANCE_POINTS[where], availability, load), {}, explain)


def _service_fit(need: Need, offer: ServiceOffer) -> tuple[float, float]:
    domain_points = WEIGHTS["domain"] if offer.domain == need.domain else 0.0
    type_points = WEIGHTS["skills"] if need.need_type in offer.need_types else 0.0
    return domain_points, type_points


def score_resource(need: Need, resource: ResourceCandidate, today: date) -> Scored | Refused:
    where = distance(need, resource.township_code, resource.community_code)
    if where is None:
        return Refused("resource", resource.id, "out_of_area")
    fitting = [o for o in resource.services if sum(_service_fit(need, o)) > 0]
    if not fitting:
        return Refused("resource", resource.id, "no_fit")
    start, end = window(need, today)
    best, refusal = None, None
    for offer in sorted(fitting, key=lambda o: o.service_id):
        if offer.eligible_groups and not offer.eligible_groups & need.beneficiary_groups:
            refusal = refusal or "not_eligible"
            continue
        open_days = days_available(offer.weekdays, start, end) if offer.weekdays else (end - start).days + 1
        if open_days == 0:
            refusal = "not_available" if refusal in (None, "not_eligible") else refusal
            continue
        if offer.load >= offer.capacity:
            refusal = "at_capacity"
            continue
        domain_points, type_points = _service_fit(need, offer)
        availability = WEIGHTS["availability"] * min(1.0, open_days / FULL_AVAILABILITY_DAYS)
        load = WEIGHTS["load"] * (1 - offer.load / offer.capacity)
        parts = (domain_points, type_points, DISTANCE_POINTS[where], availability, load)
        if best is None or sum(parts) > sum(best[0]):
            best = (parts, offer, open_days)
    if best is None:
        return Refused("resource", resource.id, refusal or "no_fit")
    parts, offer, open_days = best

    def explain() -> list[str]:
        return [
            f"service {offer.name} ({offer.domain})",
            f"need type {need.need_type}: {'offered' if need.need_type in offer.need_types else 'not listed'}",
            f"same {where}",
            f"open on {open_days} day(s) between {start.isoformat()} and {end.isoformat()}" if offer.weekdays
            else "by appointment",
            f"{offer.load} of {offer.capacity} places taken",
        ]
    return _scored("resource", resource.id, resource.name, parts, {"service_id": offer.service_id}, explain)


def earmark_problem(restrictions: dict, domain: str, region_code: str, groups: frozenset | set) -> str | None:
    """Why a donated lot may not go to this household, or None when it may."""
    domains = restrictions.get("domains") or []
    if domains and domain not in domains:
        return f"earmarked for {', '.join(domains)}"
    region = restrictions.get("region_code")
    if region and not region_code.startswith(region):
        return f"earmarked for region {region}"
    wanted_groups = restrictions.get("beneficiary_groups") or []
    if wanted_groups and not set(wanted_groups) & set(groups):
        return f"earmarked for {', '.join(wanted_groups)}"
    return None


def score_stock(need: Need, stock: StockCandidate) -> Scored | Refused | None:
    """None when the item has nothing to do with this need (not worth counting as a refusal)."""
    if stock.category not in item_categories_for(need):
        return None
    on_hand = sum(lot["remaining"] for lot in stock.lots)
    if on_hand == 0:
        return None
    eligible = [lot for lot in stock.lots
                if lot["remaining"] > 0 and earmark_problem(lot["restrictions"], need.domain, need.region_code,
                                                            need.beneficiary_groups) is None]
    quantity = sum(lot["remaining"] for lot in eligible)
    if quantity == 0:
        return Refused("charity", stock.id, "earmarked")
    intended = any(need.domain in (lot["restrictions"].get("domains") or []) for lot in eligible)
    # Stock given for exactly this purpose is used first; unrestricted stock stays flexible.
    domain_points = WEIGHTS["domain"] if intended else WEIGHTS["domain"] * 0.6
    where = "township" if stock.township_code == need.township_code else "county"
    parts = (domain_points, WEIGHTS["skills"], DISTANCE_POINTS[where], WEIGHTS["availability"], WEIGHTS["load"])
    reasons = [f"{stock.category} fits need type {need.need_type}",
               f"{quantity} {stock.unit} on hand may go to this household"
               + (f" (restricted to {need.domain})" if intended else ""),
               f"station stock in the same {where}"]
    return _scored("charity", stock.id, stock.name, parts, {"quantity": quantity, "unit": stock.unit}, lambda: reasons)


@dataclass
class Ranking:
    proposals: list  # Scored, best first, at most PROPOSALS_PER_KIND of each kind
    refusals: Counter  # reason code → candidates refused for it (complete whenever nothing was proposed)

    def unmet_reason(self) -> str:
        if not self.refusals:
            return "no volunteer, resource or charity stock in the county offers this domain or need type"
        parts = [f"{count} × {REFUSAL_MESSAGES.get(code, code)}" for code, count in sorted(
            self.refusals.items(), key=lambda item: (-item[1], item[0]))]
        return "no acceptable candidate: " + "; ".join(parts)


@dataclass(frozen=True)
class Tier:
    """Candidates at one distance from the need, fetched only if the ranking gets that far.

    `ceiling` is the best score any of them can reach; once the ranking holds enough candidates
    scoring above it, farther tiers cannot change the result and are never read."""
    ceiling: float
    candidates: Callable[[], Iterable]


def tier_ceiling(level: str) -> float:
    return sum(WEIGHTS.values()) - WEIGHTS["distance"] + DISTANCE_POINTS[level]


def _select(tiers: Iterable[Tier], score, limit: int, refusals: Counter) -> list[Scored]:
    best: list[Scored] = []
    for tier in tiers:
        if len(best) >= limit:
            best.sort(key=lambda s: (-s.score, s.candidate_id))
            del best[limit:]
            if best[-1].score > tier.ceiling:  # strictly: a tie could still win on its id
                break
        for candidate in tier.candidates():
            result = score(candidate)
            if result is None:
                continue
            if isinstance(result, Refused):
                if result.code != "out_of_area":
                    refusals[result.code] += 1
                continue
            best.append(result)
    best.sort(key=lambda s: (-s.score, s.candidate_id))
    return best[:limit]


def _tiers(candidates) -> list[Tier]:
    if isinstance(candidates, (list, tuple)) and not (candidates and isinstance(candidates[0], Tier)):
        return [Tier(sum(WEIGHTS.values()), lambda: candidates)]
    return list(candidates)


def rank(need: Need, volunteers, resources, stocks, today: date, limits: dict | None = None) -> Ranking:
    """Volunteers and resources come as a plain list or as `Tier`s nearest first (the result is the same)."""
    limits = limits or PROPOSALS_PER_KIND
    refusals: Counter = Counter()
    proposals = _select(_tiers(volunteers), lambda v: score_volunteer(need, v, today), limits.get("volunteer", 0),
                        refusals)
    proposals += _select(_tiers(resources), lambda r: score_resource(need, r, today), limits.get("resource", 0),
                         refusals)
    proposals += _select(_tiers(list(stocks)), lambda s: score_stock(need, s), limits.get("charity", 0), refusals)
    proposals.sort(key=lambda s: (-s.score, s.kind, s.candidate_id))
    return Ranking(proposals, refusals)
