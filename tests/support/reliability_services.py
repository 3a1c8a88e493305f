"""A slow consumer run as a real nameko service in its own process, so a test can kill it mid-event.

`python -m tests.support.reliability_services` starts `SlowConsumerService` from the environment
(AMQP_URI, MONGO_URI, SHEGONG_DATABASE_PREFIX, ...) and runs until killed.
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from services.common import storage  # noqa: E402
from services.common.consumers import Inbox, PermanentFailure, event_handler  # noqa: E402
from services.common.errors import NotFound  # noqa: E402
from tests.support.kernel_services import THING_CREATED  # noqa: E402

EFFECT_SECONDS = 1.5  # long enough that a kill lands inside the effect, not between effect and mark


class SlowConsumerService:
    name = "slow_consumer"
    db = storage.ServiceDatabase("slow_consumer", Inbox.indexes)

    @event_handler(THING_CREATED)
    def on_thing_created(self, event):
        db = self.db

        def effect():
            db.started.update_one({"_id": event.id}, {"$inc": {"times": 1}}, upsert=True)
            eventlet.sleep(EFFECT_SECONDS)
            db.applied.update_one({"_id": event.id}, {"$inc": {"times": 1}}, upsert=True)
        Inbox(db, f"{self.name}.on_thing_created").process_once(event.id, effect)


class ClassifyingConsumerService:
    """Fails by the event's label: `permanent` cannot fit, `missing` refers to something not known yet."""

    name = "classifying_consumer"
    db = storage.ServiceDatabase("classifying_consumer", Inbox.indexes)

    @event_handler(THING_CREATED)
    def on_thing_created(self, event):
        label = event.payload["label"]

        def effect():
            if label == "permanent":
                raise PermanentFailure(f"{event.payload['thing_id']} can never be applied")
            if label == "missing":
                raise NotFound(f"no station {event.payload['thing_id']} yet")
            self.db.applied.insert_one({"_id": event.id})
        Inbox(self.db, f"{self.name}.on_thing_created").process_once(event.id, effect)


def main():
    import nameko
    from nameko.containers import ServiceContainer

    from services.common.config import settings

    with nameko.config.patch(settings().nameko_config(SlowConsumerService.name)):
        container = ServiceContainer(SlowConsumerService)
        container.start()
        container.wait()


if __name__ == "__main__":
    main()
