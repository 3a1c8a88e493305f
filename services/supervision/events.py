"""Event contracts the supervision service publishes (alerts come in a later increment).

Supervision reads the other services only through their events; which contracts each read model
folds is in projections.py, and service.py subscribes to every contract of those producers.
"""
from __future__ import annotations

PRODUCER = "supervision"
