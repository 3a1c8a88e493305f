"""Idempotency records do not grow without bound: each service forgets replies past their retention.

A command's first reply (`_request_results`, storage.py) exists so that a client's retry, or the broker's
redelivery after a crash, gets the same answer. Both happen within minutes; SHEGONG_IDEMPOTENCY_RETENTION_HOURS
(48 by default) covers a client that retries the next day, and after it the record is only weight.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from nameko.timer import timer
from pymongo.database import Database
from pymongo.errors import PyMongoError

from . import storage
from .config import settings

log = logging.getLogger("shegong.retention")

PURGE_INTERVAL_SECONDS = 3600


class IdempotencyRetention:
    """Mix into a service class that has `name` and a `db` (storage.ServiceDatabase).

    Eager: a service that restarts more often than the interval still purges.
    """

    name: str  # the nameko service's own
    db: Database  # its storage.ServiceDatabase

    @timer(interval=PURGE_INTERVAL_SECONDS, eager=True)
    def purge_request_results(self):
        try:
            purged = storage.purge_request_results(self.db, timedelta(hours=settings().idempotency_retention_hours))
        except PyMongoError as exc:  # the next run catches up; an outage is not the timer's to report
            log.warning("idempotency records of %s not purged: %s", self.name, exc)
            return
        if purged:
            log.info("purged %d idempotency records of %s older than %d h", purged, self.name,
                     settings().idempotency_retention_hours)
