"""Worker inbox enums, derived from the shared vocabulary (services/contracts/inbox.py)."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts import inbox as vocabulary

SOURCES = ("casework", "volunteers", "registry", "supervision")  # each lists its items once per request

InboxKind = vocabulary_enum("InboxKind", vocabulary.INBOX_KINDS, description="What waits in a worker inbox.")
InboxStatus = vocabulary_enum("InboxStatus", vocabulary.INBOX_STATUSES,
                              description="OVERDUE: its due day passed; DUE: due within the week; WAITING: an "
                                          "approval waiting for the viewer, with no due day.")
InboxSource = vocabulary_enum("InboxSource", SOURCES, description="The service the item waits in.")
InboxActionKind = vocabulary_enum("InboxActionKind", vocabulary.INBOX_ACTIONS,
                                  description="A supervisor's action on an inbox item.")
