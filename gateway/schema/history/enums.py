"""The aggregates that have a history, and the services whose event logs are public."""
from __future__ import annotations

import graphene


class HistoryAggregate(graphene.Enum):
    """The records whose history can be read, and the service that owns each."""
    STATION = "station"
    HOUSEHOLD = "household"
    CASE = "case"
    CONTRACT = "contract"


# kind → (service, collection the relay records as the aggregate type)
OWNERS = {"station": ("registry", "stations"), "household": ("casework", "households"),
          "case": ("casework", "cases"), "contract": ("funding", "contracts")}


class EventLogService(graphene.Enum):
    """A service that keeps an event history."""
    REGISTRY = "registry"
    CASEWORK = "casework"
    VOLUNTEERS = "volunteers"
    FUNDING = "funding"
