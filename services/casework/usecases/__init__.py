"""Casework's use cases, one module per topic; each function takes the composition object (`Casework`) and
the `Viewer` first, validates, scopes (access.py), applies the domain rules and stores state and events in one
write. See the topic modules: households, consent, duplicates, archives, cases, visits, crisis, referrals,
campaigns, audit (unmasked reads and their log), inbound (what other services tell casework).
"""
from .context import Casework

__all__ = ["Casework"]
