"""Alert rules: conditions read off the read models at a moment, with thresholds that are policy data.

Evidence holds facts, not ages that grow by the minute (due dates, not hours overdue), so an alert
changes only when what it is about changes. Each rule yields conditions keyed by a stable alert id
(rule, subject and when the condition began), so evaluating again finds the same alert instead of
raising a second one, and a condition that ends and later begins again is a new alert.
Pure: the read models, the policies and the moment go in.

Rules (thresholds in the policy in force for the record's township on the day of evaluation):
- crisis_no_first_contact (critical): a crisis case without first contact `crisis_first_contact_hours`
  after it was flagged;
- station_not_compliant (high): a station whose latest compliance evaluation is not met;
- need_unmet (medium, high for urgent needs): a need in the household's current archive not served
  `need_unmet_days` after it was first assessed;
- archive_not_reviewed (medium): a household whose needs archive (or, never assessed, its registration)
  is older than `archive_review_months` (its id names the household by a digest, never by its id);
- follow_up_overdue (medium): a follow-up agreed in a supervision session, not done by its due date.
"""
from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.common import clock
from services.contracts import supervision as vocabulary

from .figures import ReadModels

RULES = vocabulary.ALERT_RULES
CRISIS, COMPLIANCE, NEED, ARCHIVE, FOLLOW_UP = RULES
SEVERITIES = vocabulary.ALERT_SEVERITIES
CRITICAL, HIGH, MEDIUM = SEVERITIES
THRESHOLDS = vocabulary.ALERT_THRESHOLDS


@dataclass(frozen=True)
class AlertPolicy:
    """Thresholds in force from `effective_from` for townships under `region_code` (the notice's defaults)."""
    region_code: str = "32"
    effective_from: date = date(2021, 1, 1)
    crisis_first_contact_hours: int = 24
    need_unmet_days: int = 30
    archive_review_months: int = 12
    critical_escalation_hours: int = 4
    small_count_threshold: int = 5  # privacy in aggregates (domain/suppression.py)
    source: str = "《江苏省乡镇(街道)社工站建设指引》与附件专业服务指导清单（需求档案每年更新一次）"


DEFAULT_POLICY = AlertPolicy()


def policy_in_force(policies: list[AlertPolicy], township: str, on: date) -> AlertPolicy:
    """The most local policy covering `township`, and of those the latest already in force on `on`."""
    candidates = [p for p in [DEFAULT_POLICY, *policies]
                  if township.startswith(_prefix(p.region_code)) and p.effective_from <= on]
    return max(candidates, key=lambda p: (len(_prefix(p.region_code)), p.effective_from))


def _prefix(code: str) -> str:
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


@dataclass(frozen=True)
class Condition:
    alert_id: str
    rule: str
    severity: str
    station_id: str
    region_code: str
    subject_type: str
    subject_id: str
    evidence: dict = field(default_factory=dict)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (31 March − 1 month → 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def conditions(models: ReadModels, policies: list[AlertPolicy], now: datetime, today: date) -> dict[str, Condition]:
    found: dict[str, Condition] = {}
    now_text = clock.timestamp(now)

    def policy(township: str) -> AlertPolicy:
        return policy_in_force(policies, township, today)

    for case_id, episodes in models.crisis.items():
        for episode in episodes:
            hours = policy(episode["township"]).crisis_first_contact_hours
            flagged = clock.parse_timestamp(episode["flagged_at"])
            due = clock.timestamp(flagged + timedelta(hours=hours))
            if episode.get("first_contact_at") or due >= now_text:
                continue
            _add(found, Condition(f"{CRISIS}:{case_id}:{episode['flagged_at']}", CRISIS, CRITICAL, episode["station"],
                                  episode["township"], "case", case_id,
                                  {"domain": episode["domain"], "flagged_at": episode["flagged_at"], "due_at": due,
                                   "threshold_hours": hours}))
    for station_id, station in models.stations.items():
        if station.get("compliance") != "not_met":
            continue
        since = station.get("not_met_since") or station.get("compliance_as_of") or ""
        failing = sorted(rule for rule, status in station.get("rules", {}).items() if status == "not_met")
        _add(found, Condition(f"{COMPLIANCE}:{station_id}:{since}", COMPLIANCE, HIGH, station_id, station["township"],
                              "station", station_id, {"not_met_since": since, "failing_rules": failing,
                                                      "evaluated_on": station.get("compliance_as_of")}))
    for need_id, need in models.needs.items():
        if not need.get("current") or need.get("delivered_on") or not need.get("first_assessed_on"):
            continue
        days = (today - date.fromisoformat(need["first_assessed_on"])).days
        threshold = policy(need["township"]).need_unmet_days
        if days <= threshold:
            continue
        _add(found, Condition(f"{NEED}:{need_id}", NEED, HIGH if need.get("severity") == "urgent" else MEDIUM,
                              need["station"], need["township"], "need", need_id,
                              {"household_id": need["household"], "domain": need["domain"],
                               "need_type": need["need_type"], "severity": need["severity"],
                               "first_assessed_on": need["first_assessed_on"], "threshold_days": threshold,
                               "matching_found_nobody": need.get("unmet_reports", 0),
                               "last_unmet_reason": need.get("last_unmet_reason"),
                               **({"withdrawn": True} if need.get("withdrawn") else {})}))
    for household_id, household in models.households.items():
        reviews = household.get("assessed_on") or []
        last = reviews[-1] if reviews else None
        months = policy(household["township"]).archive_review_months
        reference = last or household["registered_on"]
        if reference > months_before(today, months).isoformat():
            continue
        _add(found, Condition(f"{ARCHIVE}:{subject_digest(household_id)}:{reference}", ARCHIVE, MEDIUM,
                              household["station"], household["township"], "household", household_id,
                              {"last_assessed_on": last, "never_assessed": last is None,
                               "registered_on": household["registered_on"], "threshold_months": months,
                               **({"withdrawn": True} if household.get("withdrawn") else {})}))
    return found


def subject_digest(household_id: str) -> str:
    """What an archive alert's id says of its household: a one-way digest, not the id, so that a withdrawn
    consent (which replaces the household's id by a pseudonym everywhere) leaves no id in the alert feed."""
    return hashlib.sha256(household_id.encode()).hexdigest()[:16]


def _add(found: dict, condition: Condition) -> None:
    found[condition.alert_id] = condition


def follow_up_conditions(sessions: list[dict], today: date) -> dict[str, Condition]:
    """Follow-ups of supervision sessions (this service's own records) past their due date and not done."""
    found: dict[str, Condition] = {}
    day = today.isoformat()
    for session in sessions:
        for follow_up in session["follow_ups"]:
            if follow_up.get("done_on") or follow_up["due_on"] >= day:
                continue
            _add(found, Condition(f"{FOLLOW_UP}:{follow_up['follow_up_id']}", FOLLOW_UP, MEDIUM, session["station_id"],
                                  session["region_code"], "follow_up", follow_up["follow_up_id"],
                                  {"session_id": session["_id"], "session_date": session["date"],
                                   "supervisor_id": session["supervisor_id"], "due_on": follow_up["due_on"]}))
    return found
