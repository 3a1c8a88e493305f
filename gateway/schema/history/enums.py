"""The aggregates that have a history, and the services whose event logs are public."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts import PUBLIC_EVENT_LOGS

# kind → (service, collection the relay records as the aggregate type)
OWNERS = {"station": ("registry", "stations"), "household": ("casework", "households"),
          "case": ("casework", "cases"), "contract": ("funding", "contracts")}

HistoryAggregate = vocabulary_enum("HistoryAggregate", OWNERS,
                                   description="The records whose history can be read, and the service that owns each.")
EventLogService = vocabulary_enum("EventLogService", PUBLIC_EVENT_LOGS,
                                  description="A service that keeps an event history.")
