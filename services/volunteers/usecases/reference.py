"""The vocabularies a client builds its forms from."""
from __future__ import annotations

from services.common.auth import Viewer
from services.contracts.vocabulary import DOMAINS

from .. import domain, matching
from . import Volunteering


def catalogue(ctx: Volunteering, viewer: Viewer) -> dict:
    return {"skills": matching.SKILLS, "domains": list(DOMAINS),
            "resource_kinds": [{"kind": k, "label": v, "category": domain.category_of(k)}
                               for k, v in domain.RESOURCE_KINDS.items()],
            "item_categories": list(matching.ITEM_CATEGORIES),
            "need_types": sorted(set(matching.NEED_TYPE_SKILLS) | set(matching.NEED_TYPE_ITEM_CATEGORIES))}
