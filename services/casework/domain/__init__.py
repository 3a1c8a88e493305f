"""Pure rules of casework: households and people, needs archives, cases, crisis, consent, referrals.

No I/O here: the use cases load documents, call these functions and store what they return.
Dates of casework are China Standard Time dates (UTC+8, no daylight saving): a visit on the morning
of 12 March in Zhenjiang is dated 12 March even while it is still 11 March in UTC.

Risk level of a needs assessment (the documented rule)
------------------------------------------------------
Each need weighs by its severity: low 1, medium 4, high 10, urgent (any) → critical.
The household gets +2 once when any person the needs concern (or, for needs that name nobody,
any member) carries a vulnerability tag (living alone elderly, disabled or demented elderly,
child in difficulty, left-behind child, de-facto unsupported child, domestic-violence victim,
extreme poverty, severe mental disorder).
- critical: any urgent need, or a high need of a protection type (domestic-violence crisis,
  minor protection) — these cannot wait for a scheduled visit;
- high: score ≥ 10 (one high need alone is high; two medium needs of a vulnerable household too);
- medium: score ≥ 4 (one medium need, or four low ones);
- low: anything less, including an assessment that found no needs.

Needs archive (需求档案)
-----------------------
Every assessment or amendment is a new version; nothing is overwritten. The version in force on a
date D is the one with the latest assessment date on or before D (amendments of the same date win,
being later versions). A household's next review is due one year after its latest assessment; a
household never assessed is due from the day it was registered (the guide list asks for an archive
per household). Overdue = the review date has passed = no assessment in the last 12 months.

Case lifecycle
--------------
intake → assessment → plan → in_service → review → (in_service | plan); closed from any open stage,
and reopen (closed → assessment). Entry requirements:
- assessment: the assigned social worker is current staff of the case's station;
- plan: a case assessment is recorded;
- in_service: a plan approved by a supervisor or the station lead (never by its author);
- review: at least one visit or service since the case entered in_service;
- closed: only by approving a closure request (reason and outcome) — same approvers.
Every transition records who, with which role, when, and why.

Crisis (危机介入)
----------------
A flagged case jumps to the top of its station's queue and needs a first contact (any visit or
call logged on the case) within 24 hours of the flag. A sweep marks a breach once per crisis
episode (`crisis_contact_overdue` decides, `mark_contact_overdue` records it with its event).

A breach is a fact, not a state: once the deadline passes without a contact it is kept in the
case's `crisis_breaches` (one per episode, with the deadline and when it was recorded) and counted in
`crisis_breach_count`, also after the late first contact, which adds the contact time and the delay
in minutes. A late contact logged before the sweep ran records the breach itself. Only a contact
that the visit shows was made in time (logged late) clears the breach: it stays on record with
`contact_in_time` and no longer counts.
"""
from __future__ import annotations

from services.contracts.vocabulary import STAGES

from .archive import (
    PROTECTION_NEEDS,
    SEVERITY_WEIGHT,
    VULNERABILITY_BONUS,
    archive_overdue,
    beneficiary_groups,
    child_related,
    consent_in_force,
    current_version,
    lacking_basis,
    matching_needs_to_drop,
    need_subjects,
    needs_event_payload,
    new_archive_version,
    new_consent,
    require_archive_basis,
    review_due_on,
    risk_level,
    version_as_of,
    withdraw_consent,
    withheld_from_matching,
)
from .cases import (
    ACTIVE_CRISIS,
    OPEN_STAGES,
    REFERRAL_ANSWERS,
    TRANSITIONS,
    Actor,
    add_case_service,
    add_case_visit,
    answer_referral,
    approved_plan,
    breach_recorded,
    breach_settled,
    case_for_delivery,
    case_overdue,
    change_stage,
    check_sharing_basis,
    check_visit,
    counted_breaches,
    crisis_contact_overdue,
    decide_closure,
    decide_plan,
    entry_requirements,
    flag_crisis,
    follow_up_due_on,
    is_crisis_case,
    is_new_breach,
    last_entry,
    mark_contact_overdue,
    new_case,
    open_key,
    pending_closure,
    pending_plan,
    person_targeted,
    queue_rank,
    reassign,
    record_case_assessment,
    referral_subjects,
    reopen,
    request_closure,
    resolve_crisis,
    submit_plan,
    targeted_members,
)
from .people import (
    CRISIS_FIRST_CONTACT,
    MAX_DUPLICATE_MATCHES,
    age_on,
    check_birth_date,
    check_members,
    check_tags,
    community_problem,
    duplicate_flag,
    find_member,
    head_of,
    household_derived_fields,
    household_groups,
    identity_from_id_number,
    one_year_after,
    open_flag_count,
    replace_member,
    require_station_open,
    resolve_flags,
    settle_identity,
    station_registered,
    station_updated,
)

__all__ = [
    "ACTIVE_CRISIS",
    "Actor",
    "CRISIS_FIRST_CONTACT",
    "MAX_DUPLICATE_MATCHES",
    "OPEN_STAGES",
    "PROTECTION_NEEDS",
    "REFERRAL_ANSWERS",
    "SEVERITY_WEIGHT",
    "STAGES",
    "TRANSITIONS",
    "VULNERABILITY_BONUS",
    "add_case_service",
    "add_case_visit",
    "age_on",
    "answer_referral",
    "approved_plan",
    "archive_overdue",
    "beneficiary_groups",
    "breach_recorded",
    "breach_settled",
    "case_for_delivery",
    "case_overdue",
    "change_stage",
    "check_birth_date",
    "check_members",
    "check_sharing_basis",
    "check_tags",
    "check_visit",
    "child_related",
    "community_problem",
    "consent_in_force",
    "counted_breaches",
    "crisis_contact_overdue",
    "current_version",
    "decide_closure",
    "decide_plan",
    "duplicate_flag",
    "entry_requirements",
    "find_member",
    "flag_crisis",
    "follow_up_due_on",
    "head_of",
    "household_derived_fields",
    "household_groups",
    "identity_from_id_number",
    "is_crisis_case",
    "is_new_breach",
    "lacking_basis",
    "last_entry",
    "mark_contact_overdue",
    "matching_needs_to_drop",
    "need_subjects",
    "needs_event_payload",
    "new_archive_version",
    "new_case",
    "new_consent",
    "one_year_after",
    "open_flag_count",
    "open_key",
    "pending_closure",
    "pending_plan",
    "person_targeted",
    "queue_rank",
    "reassign",
    "record_case_assessment",
    "referral_subjects",
    "reopen",
    "replace_member",
    "request_closure",
    "require_archive_basis",
    "require_station_open",
    "resolve_crisis",
    "resolve_flags",
    "review_due_on",
    "risk_level",
    "settle_identity",
    "station_registered",
    "station_updated",
    "submit_plan",
    "targeted_members",
    "version_as_of",
    "withdraw_consent",
    "withheld_from_matching",
]
