"""The volunteers service's use cases, one module per topic: volunteers, hours, certificates, teams,
resources, charity, needs (and their matching runs), tasks, reference. Each function takes the
composition object below first and the viewer second; who may read or change what is in `access`.

Every write is one single-document change (with its outbox) checked against a version: the
caller's `expected_version` for user edits, the version just read for arithmetic on shared
records (stock, a volunteer's hours and load), which is then retried on a concurrent change so
the rule is re-checked against the newer state (`consistency.retrying`). Where one action touches
two aggregates (accepting a proposal reserves the volunteer, then records the task on the need), the
first step is keyed by an id derived from the proposal, so a retry after a failure lands on the same
record, and a failed second step undoes the first.
"""
from __future__ import annotations

from services.common.config import settings
from services.common.protection import FieldCipher

from ..candidates import CandidateIndex
from ..certificates import certificate_key
from ..storage import VolunteersRepository


class Volunteering:
    """What the use cases work with: the repositories, the candidate index, the field cipher and the
    certificate signing key."""

    def __init__(self, repository: VolunteersRepository, index: CandidateIndex | None = None,
                 cipher: FieldCipher | None = None):
        self.repo = repository
        self.index = index or CandidateIndex(repository.db)
        self.cipher = cipher or FieldCipher()
        self.certificate_key = certificate_key(settings().token_secret)
