"""Casework's use cases, one module per topic. Each function takes the composition object (`Casework`,
context.py) and the `Viewer` first, validates its input, checks scope (access.py), applies the pure rules
(domain/) and stores state and events in one write through the repositories (storage/).

- households, members, consent, duplicates: households and people (一户一档), legal bases, likely duplicates
  and merges
- archives: the needs archive (需求档案)
- cases, case_reads: a case's lifecycle and approvals; the station queue, summaries, caseloads
- visits, crisis, referrals: what is done on a case (and visits to a household), the 24-hour crisis rule
- campaigns: comprehensive verification (全面核查)
- audit: unmasked reads of personal data and protected notes, and their access log
- inbound: what other services tell casework (the registry's stations and staff, delivered services)

Shared by them: access.py (who may see and change what), people.py (the stored shape of a person and its
blind indexes), presentation.py (views as a viewer sees them), case_changes.py (one write of a case and its
events).
"""
from .context import Casework

__all__ = ["Casework"]
