"""Supervision use cases, one module per topic, each a handful of functions `(supervision, viewer, ...)`.

`Supervision` is all they share: the repositories, the region tree and the source services' RPC
proxies (the read-model check compares with them). service.py builds one per worker and declares
each function as an RPC method (services/common/entrypoints.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..inbox_storage import InboxNoteRepository
from ..regiontree import RegionTree
from ..report_storage import ReportRepository
from ..storage import SupervisionRepository


@dataclass(frozen=True)
class Supervision:
    repo: SupervisionRepository
    regions: RegionTree
    registry: Any = None  # the registry's RPC proxy: stations and staff for read-model checks
    casework: Any = None  # casework's RPC proxy: households, cases and visits for read-model checks
    funding: Any = None  # funding's RPC proxy: money by source and evaluations for reports
    volunteers: Any = None  # the volunteers' RPC proxy: approved hours for read-model checks

    @property
    def reports(self) -> ReportRepository:
        return ReportRepository(self.repo.db)

    @property
    def inbox_notes(self) -> InboxNoteRepository:
        return InboxNoteRepository(self.repo.db)
