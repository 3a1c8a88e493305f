"""The services that reveal personal data."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum

SERVICES = ("registry", "casework", "funding", "volunteers")  # each keeps the reveals of its own records
PersonalDataService = vocabulary_enum("PersonalDataService", SERVICES,
                                      description="The service whose records were revealed.")
