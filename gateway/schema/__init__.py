"""The gateway's schema: a package per domain (gateway/schema/<domain>/), each with its enums, types,
queries, mutations and loaders, as Saleor lays out saleor/graphql/<domain>/.

A domain contributes query and mutation fields (ObjectTypes mixed in below), the cost declarations
of its fields, and its loaders, which register by key (gateway/loaders.py): the request context
lists no domain. A domain imports only the domains it builds on (registry ← casework ← volunteers,
registry ← funding ← volunteers); a type of a later domain is named by its import path
(tests/unit/test_gateway_modules.py keeps the modules free of cycles).

To add a domain: write gateway/schema/<domain>/, add its Query/Mutation classes and costs below.
Then regenerate the committed SDL: `python -m gateway.sdl > gateway/schema.graphql`.
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
    inbox,
    registry,
    reports,
    supervision,
    volunteers,
    webhooks,
)
from .accesslog import AccessLogQuery
from .casework import AgencyReferralMutation, AgencyReferralQuery, CaseworkMutation, CaseworkQuery
from .funding import FundingMutation, FundingQuery
from .history import HistoryQuery
from .identity import AgencyMutation, AgencyQuery, IdentityMutation, IdentityQuery
from .inbox import InboxMutation, InboxQuery
from .registry import RegistryMutation, RegistryQuery
from .reports import ReportsMutation, ReportsQuery
from .supervision import (
    AlertsMutation,
    AlertsQuery,
    OutcomeQuery,
    ScorecardMutation,
    ScorecardQuery,
    SupervisionPlanMutation,
    SupervisionPlanQuery,
    SupervisionPrivacyQuery,
    SupervisionQuery,
    SupervisionTrendQuery,
    SupervisionWorkMutation,
    SupervisionWorkQuery,
)
from .volunteers import VolunteersMutation, VolunteersQuery
from .webhooks import WebhooksMutation, WebhooksQuery

DOMAINS = (registry, funding, casework, volunteers, history, supervision, accesslog, identity, reports, webhooks,
           inbox)


# graphene lists the fields of the last mixin first: new services go to the front, so the SDL keeps
# the registry's fields on top and each service's together.
class Query(InboxQuery, WebhooksQuery, AgencyReferralQuery, AgencyQuery, OutcomeQuery, ScorecardQuery, ReportsQuery,
            IdentityQuery, AccessLogQuery, SupervisionTrendQuery, SupervisionPrivacyQuery, SupervisionPlanQuery,
            SupervisionWorkQuery, AlertsQuery, SupervisionQuery, HistoryQuery, VolunteersQuery, CaseworkQuery,
            FundingQuery, RegistryQuery, graphene.ObjectType):
    pass


class Mutation(InboxMutation, WebhooksMutation, AgencyReferralMutation, AgencyMutation, ScorecardMutation,
               ReportsMutation, IdentityMutation, SupervisionPlanMutation, SupervisionWorkMutation, AlertsMutation,
               VolunteersMutation, CaseworkMutation, FundingMutation, RegistryMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)

COST_MODEL = CostModel(default_list_size=50,
                       list_sizes={key: size for domain in DOMAINS for key, size in domain.LIST_SIZES.items()},
                       leaf_costs={key: cost for domain in DOMAINS for key, cost in domain.LEAF_COSTS.items()})
