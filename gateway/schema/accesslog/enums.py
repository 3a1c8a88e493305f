"""The services that reveal personal data."""
from __future__ import annotations

import graphene

SERVICES = ("registry", "casework", "funding", "volunteers")


class PersonalDataService(graphene.Enum):
    """The service whose records were revealed."""
    REGISTRY = "registry"
    CASEWORK = "casework"
    FUNDING = "funding"
    VOLUNTEERS = "volunteers"
