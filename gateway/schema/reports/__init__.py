"""Reports: the 月报 and 年报 of counties and cities, generated, listed and downloaded (issue 12).

The domain's face for gateway/schema/__init__.py. The files themselves are not GraphQL: each report
names its download URLs (`GET /reports/<id>.pdf|.xlsx`, gateway/reports_http.py), fetched with the same token.
"""
from __future__ import annotations

from .costs import LEAF_COSTS, LIST_SIZES
from .mutations import ReportsMutation
from .queries import ReportsQuery

__all__ = ["LEAF_COSTS", "LIST_SIZES", "ReportsMutation", "ReportsQuery"]
