"""Who may see and change what in the funding service: the scope and approver rules of its use cases.

Funding records carry the region codes whose officials see them and the stations they concern
(domain.scope_codes); `domain.sees` checks a loaded record, the repositories take a `Scope` for queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import EVALUATOR, STATION_STAFF, SUPERVISOR, Viewer
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.common.storage import AggregateStore
from services.funding import domain
from services.funding.domain import require_region_write  # noqa: F401 (the approver rule of every money write)
from services.funding.storage import six_digit_code

STATION_ROLES = (STATION_STAFF, SUPERVISOR)


def visible(store: AggregateStore, viewer: Viewer, doc_id: str) -> dict:
    doc = store.get(doc_id) if isinstance(doc_id, str) else None
    if doc is None or not domain.sees(viewer, doc):
        # Out-of-scope records look exactly like unknown ones.
        raise NotFound(f"unknown {store.label} {doc_id}", {"id": [f"no {store.label} with this id in your scope"]})
    return doc


def writable(store: AggregateStore, viewer: Viewer, doc_id: str) -> dict:
    """A record the viewer may manage the money of (its region's civil-affairs staff, administrators)."""
    doc = visible(store, viewer, doc_id)
    require_region_write(viewer, doc["region_code"])
    return doc


def visible_by_id(docs: list[dict], viewer: Viewer) -> dict[str, dict]:
    return {d["_id"]: d for d in docs if domain.sees(viewer, d)}


def assigned_evaluator(viewer: Viewer) -> str | None:
    """An evaluator also sees the evaluations assigned to them, wherever they are."""
    return viewer.user_id if viewer.role == EVALUATOR else None


def sees_evaluation(viewer: Viewer, doc: dict) -> bool:
    return domain.sees(viewer, doc) or (viewer.role == EVALUATOR and viewer.user_id in doc["evaluator_user_ids"])


def require_reveal(viewer: Viewer, region_code: str, reason: str | None) -> str:
    """The stated reason, once the viewer may see unmasked personal data of this region and said why."""
    if not viewer.may_reveal_personal_data("", region_code):
        raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
    if not reason or len(reason.strip()) < 4:
        raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
    return reason.strip()


@dataclass(frozen=True)
class RegionView:
    """What an official's region view covers: the region seen (None: nothing), and for station roles their
    stations only."""

    region: str | None
    station_ids: list[str] | None = None

    @property
    def contracts_code(self) -> str | None:
        """The stored scope code of the contracts seen (station roles see contracts by station instead)."""
        if self.region is None or self.station_ids is not None:
            return None
        return six_digit_code(domain.region_prefix(self.region))


def region_view(viewer: Viewer, region_code: str) -> RegionView:
    """The part of `region_code` an official may see in the supervision, cost and outcome views."""
    if viewer.is_public:
        raise PermissionDenied("fund supervision is for officials; the public reads the disclosure feed")
    region = domain.effective_region(viewer, region_code)
    if region is None:
        return RegionView(None)
    return RegionView(region, list(viewer.station_ids) if viewer.role in STATION_ROLES else None)
