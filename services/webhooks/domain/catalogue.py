"""What subscriptions may ask for: the public events of the producers the service follows, and the payload
fields that carry personal data (kept out of every payload unless the subscription is allowed them)."""
from __future__ import annotations

from services.common.events import EventContract
from services.contracts import casework, funding, registry, supervision, volunteers

PRODUCERS = (registry, casework, volunteers, funding, supervision)


def contracts_of(module) -> list[EventContract]:
    """Every contract a producer's events module declares."""
    return [value for value in vars(module).values()
            if isinstance(value, EventContract) and value.producer == module.PRODUCER]


FOLLOWED: list[EventContract] = [contract for module in PRODUCERS for contract in contracts_of(module)]
EVENT_TYPES: tuple[str, ...] = tuple(sorted({contract.name for contract in FOLLOWED}))

# Payload keys that identify a person or household, or describe them in free text. Keys, not contract
# fields: the same key is withheld in every event, and a new contract's field of that name is covered.
PERSON_KEYS = ("person_id", "survivor_person_id", "duplicate_person_id")
HOUSEHOLD_KEYS = ("household_id", "survivor_household_id", "duplicate_household_id")
PERSONAL_FIELDS: tuple[str, ...] = (
    *PERSON_KEYS, *HOUSEHOLD_KEYS,
    "volunteer_id", "candidate_id", "staff_id", "staff_ids", "assigned_staff_id", "delivered_by", "approved_by",
    "name", "evaluator_name", "target_name",
    "description", "notes", "reason", "reasons", "needs", "follow_ups",
)
# The agency field scope (services/contracts/identity.AGENCY_FIELDS) a subscription's client must hold for each
# personal key: every key above identifies or describes a person, so each needs the scope that lets a client
# identify one (`field:name`).
FIELD_SCOPE_NEEDED: dict[str, str] = dict.fromkeys(PERSONAL_FIELDS, "name")
