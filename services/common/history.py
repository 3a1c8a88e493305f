"""An aggregate's history as people see it: entries of the event log scoped like the records they describe,
personal data in their payloads masked or withheld."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from .auth import ADMIN, EVALUATOR, REGION_ROLES, STATION_STAFF, SUPERVISOR, Viewer, region_prefix
from .errors import NotFound
from .protection import mask_id_number, mask_name, mask_phone


def sees_entry(viewer: Viewer, entry: Mapping) -> bool:
    """The same scope rules as every other read: administrators everywhere, stations their own,
    civil-affairs staff and evaluators their region; the public never sees history."""
    if viewer.role == ADMIN:
        return True
    stations = entry.get("station_ids") or []
    if viewer.role in (STATION_STAFF, SUPERVISOR):
        return bool(set(stations) & set(viewer.station_ids))
    region = entry.get("region_code")
    if viewer.role in (*REGION_ROLES, EVALUATOR) and viewer.region and region:
        return region.startswith(region_prefix(viewer.region))
    return False


# Payload keys that hold personal data, by how they are shown. Free text can hold anything a
# social worker typed (names, diagnoses), so it is never shown in a history.
NAME_KEYS = ("name", "person_name", "head_name", "given_by_name", "volunteer_name", "contact_name")
ID_NUMBER_KEYS = ("id_number", "resident_id", "certificate_number")
PHONE_KEYS = ("phone", "mobile", "contact_phone")
WITHHELD_KEYS = ("notes", "note", "description", "reason", "comment", "summary", "address", "birth_date",
                 "health", "disability", "crisis_notes", "basis_note", "strengths")
_ID_NUMBER_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_SHAPE = re.compile(r"^1\d{10}$")
WITHHELD = "(withheld)"


def masked_fields(payload, path: str = "") -> list[dict]:
    """A payload flattened to [{path, value, masked}], personal values masked or withheld."""
    fields: list[dict] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            fields.extend(_masked_field(f"{path}.{key}" if path else key, key, value))
    return fields


def _masked_field(path: str, key: str, value) -> list[dict]:
    if key in WITHHELD_KEYS and value not in (None, "", [], {}):
        return [{"path": path, "value": WITHHELD, "masked": True}]
    if isinstance(value, dict):
        return masked_fields(value, path)
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            masked = [_mask_scalar(key, v) for v in value]
            return [{"path": path, "value": [m for m, _ in masked], "masked": any(f for _, f in masked)}]
        out = []
        for index, item in enumerate(value):
            out.extend(_masked_field(f"{path}.{index}", key, item) if not isinstance(item, dict)
                       else masked_fields(item, f"{path}.{index}"))
        return out
    shown, was_masked = _mask_scalar(key, value)
    return [{"path": path, "value": shown, "masked": was_masked}]


def _mask_scalar(key: str, value):
    if not isinstance(value, str) or not value:
        return value, False
    if key in ID_NUMBER_KEYS or _ID_NUMBER_SHAPE.match(value):
        return mask_id_number(value), True
    if key in PHONE_KEYS or _PHONE_SHAPE.match(value):
        return mask_phone(value), True
    if key in NAME_KEYS or key.endswith("_person_name"):
        return mask_name(value), True
    return value, False


def history_item(entry: Mapping) -> dict:
    envelope = json.loads(entry["content"])["envelope"]  # the canonical text the chain hashed
    actor = envelope.get("actor") or None
    return {"sequence": entry["_id"], "event_id": entry["event_id"], "type": entry["type"],
            "version": envelope.get("version"), "occurred_at": entry["occurred_at"],
            "recorded_at": entry.get("recorded_at"), "producer": envelope.get("producer"),
            "aggregate_type": entry["aggregate_type"], "aggregate_id": entry["aggregate_id"],
            "actor": {"user_id": actor.get("user_id"), "role": actor.get("role")} if actor else None,
            "correlation_id": envelope.get("correlation_id"), "fields": masked_fields(envelope.get("payload"))}


def page(entries: Iterable[Mapping], viewer: Viewer, aggregate_type: str, aggregate_id: str, after: int | None,
         limit: int) -> dict:
    """One page of an aggregate's log `entries` the viewer may see, oldest first; none at all reads as unknown."""
    visible = [e for e in entries if e["aggregate_type"] == aggregate_type and sees_entry(viewer, e)]
    if not visible:
        # Out of scope looks exactly like unknown.
        raise NotFound(f"no history for {aggregate_type} {aggregate_id}", {"aggregate_id": ["unknown or out of scope"]})
    total = len(visible)
    if after is not None:
        visible = [e for e in visible if e["_id"] > after]
    shown = visible[:limit]
    return {"items": [history_item(e) for e in shown], "total": total,
            "next_cursor": str(shown[-1]["_id"]) if len(visible) > limit else None}
