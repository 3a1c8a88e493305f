"""Report enums, from the supervision vocabularies (services/contracts/supervision.py)."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts import supervision as vocabulary

ReportKind = vocabulary_enum("ReportKind", vocabulary.REPORT_KINDS, description="MONTHLY: 月报; YEARLY: 年报.")
ReportFormat = vocabulary_enum("ReportFormat", vocabulary.REPORT_FORMATS)
