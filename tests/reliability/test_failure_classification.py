"""A permanent failure goes to the dead-letter queue at once with the reason; a NotFound of a referenced
aggregate stays transient (its own event may not have arrived yet): retried with backoff, then dead-lettered."""
from __future__ import annotations

from services.common import storage
from services.common.deadletters import list_dead_letters
from services.common.events import new_event
from services.common.outbox import EventPublisher
from tests.support.containers import running
from tests.support.kernel_services import THING_CREATED
from tests.support.reliability_services import ClassifyingConsumerService
from tests.support.waiting import wait_for


def test_permanent_is_dead_lettered_at_once_and_not_found_is_retried(isolated_settings):
    events = {label: new_event(THING_CREATED, {"thing_id": label, "label": label}, correlation_id=label)
              for label in ("permanent", "missing", "fine")}
    with running(ClassifyingConsumerService, settings=isolated_settings):
        publisher = EventPublisher(isolated_settings.amqp_uri)
        for event in events.values():
            publisher.publish(event.to_dict())
        publisher.close()
        letters = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(
            list_dead_letters(isolated_settings.amqp_uri)), timeout=30)
        assert storage.database("classifying_consumer").applied.find_one({"_id": events["fine"].id})
    by_event = {letter["event_id"]: letter for letter in letters}
    permanent = by_event[events["permanent"].id]
    assert (permanent["reason"], permanent["attempts"]) == ("permanent", 0)
    assert "can never be applied" in permanent["error"]
    missing = by_event[events["missing"].id]
    assert (missing["reason"], missing["attempts"]) == ("handler-failed", isolated_settings.event_max_retries)
    assert "NotFound" in missing["error"]
