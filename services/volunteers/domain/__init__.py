"""Pure rules of the volunteers service, one module per aggregate: volunteers (and teams), resources, charity
stock, needs; what they share in `common`. No I/O here. Each aggregate is one document, changed by one write
with its events. Callers use `domain.<rule>`: the names are gathered here."""
from __future__ import annotations

from services.contracts.vocabulary import (
    FACILITY_KINDS,
    NEED_STATUSES,
    ORGANISATION_KINDS,
    RESOURCE_KINDS,
    REVIEW_DECISIONS,
    REVIEW_OUTCOMES,
)

from .charity import allocate, lot_view, new_lot, on_hand, stock_candidate, stock_id_for, stock_view
from .common import (
    DEFAULT_MAX_OPEN_TASKS,
    REVIEW_INTERVAL_MONTHS,
    add_months,
    as_aware,
    category_of,
    check_slots,
    derived_id,
    service_time,
    station_township,
    weekdays_of,
)
from .needs import (
    cancel_task,
    declined_reason,
    find_proposal,
    find_task,
    matching_need,
    merge_proposals,
    need_view,
    new_need,
    proposal_id,
    proposal_view,
    replace,
    require_decidable,
    status_of,
    task_view,
    task_window,
)
from .resources import (
    find_service,
    new_resource,
    reserve_service,
    resource_candidate,
    resource_view,
    review,
    review_overdue,
)
from .volunteers import (
    background_valid_until,
    decide_hours,
    hours_between,
    hours_view,
    log_hours,
    new_volunteer,
    release_task,
    reserve_task,
    team_view,
    volunteer_candidate,
    volunteer_view,
)

__all__ = [
    "FACILITY_KINDS", "NEED_STATUSES", "ORGANISATION_KINDS", "RESOURCE_KINDS", "REVIEW_DECISIONS",
    "REVIEW_OUTCOMES", "REVIEW_INTERVAL_MONTHS", "DEFAULT_MAX_OPEN_TASKS", "category_of", "as_aware",
    "service_time", "add_months", "derived_id", "station_township", "weekdays_of", "check_slots", "new_volunteer",
    "background_valid_until", "reserve_task", "release_task", "hours_between", "log_hours", "decide_hours",
    "volunteer_view", "hours_view", "volunteer_candidate", "team_view", "new_resource", "review",
    "review_overdue", "find_service", "reserve_service", "resource_view", "resource_candidate", "stock_id_for",
    "new_lot", "on_hand", "allocate", "stock_view", "lot_view", "stock_candidate", "new_need", "matching_need",
    "proposal_id", "merge_proposals", "find_proposal", "find_task", "cancel_task", "replace", "status_of",
    "require_decidable", "declined_reason", "need_view", "proposal_view", "task_view", "task_window",
]
