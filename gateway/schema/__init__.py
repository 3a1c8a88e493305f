"""The gateway's schema: each service the gateway fronts contributes a module with its query
and mutation fields (an ObjectType to mix in) and its list sizes for the cost estimate.

To add a service: write gateway/schema/<service>.py, add its Query/Mutation classes below, its
LIST_SIZES to COST_MODEL, and its client and loaders in gateway/context.py. Then regenerate the
committed SDL: `python -m gateway.sdl > gateway/schema.graphql`.
"""
from __future__ import annotations

import graphene

from ..guards import CostModel
from . import (
    accesslog,
    casework,
    funding,
    history,
    identity,
    registry,
    supervision,
    supervision_alerts,
    supervision_work,
    volunteers,
)
from .accesslog import AccessLogQuery
from .casework import CaseworkQuery
from .casework_mutations import CaseworkMutation
from .funding import FundingQuery
from .funding_mutations import FundingMutation
from .history import HistoryQuery
from .identity import IdentityMutation, IdentityQuery
from .registry import RegistryQuery
from .registry_mutations import RegistryMutation
from .supervision import SupervisionQuery
from .supervision_alerts import AlertsMutation, AlertsQuery
from .supervision_work import SupervisionWorkMutation, SupervisionWorkQuery
from .volunteers import VolunteersQuery
from .volunteers_mutations import VolunteersMutation


# graphene lists the fields of the last mixin first: new services go to the front, so the SDL keeps
# the registry's fields on top and each service's together.
class Query(IdentityQuery, AccessLogQuery, SupervisionWorkQuery, AlertsQuery, SupervisionQuery, HistoryQuery,
            VolunteersQuery, CaseworkQuery, FundingQuery, RegistryQuery, graphene.ObjectType):
    pass


class Mutation(IdentityMutation, SupervisionWorkMutation, AlertsMutation, VolunteersMutation, CaseworkMutation,
               FundingMutation, RegistryMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)

COST_MODEL = CostModel(default_list_size=50,
                       list_sizes={**registry.LIST_SIZES, **funding.LIST_SIZES, **casework.LIST_SIZES,
                                               **volunteers.LIST_SIZES, **history.LIST_SIZES,
                                               **supervision.LIST_SIZES, **supervision_alerts.LIST_SIZES,
                                               **supervision_work.LIST_SIZES, **accesslog.LIST_SIZES,
                                               **identity.LIST_SIZES},
                       leaf_costs={**registry.LEAF_COSTS, **funding.LEAF_COSTS, **casework.LEAF_COSTS,
                                   **volunteers.LEAF_COSTS, **history.LEAF_COSTS, **supervision.LEAF_COSTS,
                                   **supervision_alerts.LEAF_COSTS, **supervision_work.LEAF_COSTS,
                                   **accesslog.LEAF_COSTS, **identity.LEAF_COSTS})
