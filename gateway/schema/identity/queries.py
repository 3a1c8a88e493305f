"""`me` and `users`: one's own account, and the accounts one administers."""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size
from gateway.schema.scalars import DateTime

from .types import UsageReport, User, UserPage


class IdentityQuery(graphene.ObjectType):
    me = graphene.Field(User, description="Your own account (null for development tokens and the public).")
    users = graphene.Field(UserPage, required=True, **page_args(region_code=graphene.String()),
                           description="Accounts you administer (administrators: all; region administrators: "
                                       "their region's).")

    usage_report = graphene.Field(
        UsageReport, required=True, region=graphene.String(description="A division code within your scope."),
        since=DateTime(description="Start of the period; 30 days ago by default."),
        description="Who uses the platform in your scope: accounts, sign-ins and refusals per county, and each "
                    "account's last sign-in (administrators and province, city, county officials).")

    @staticmethod
    def resolve_usage_report(root, info, region=None, since=None):
        return info.context.service("identity").usage_report(
            {"region_code": region, "since": since.isoformat() if since else None})

    @staticmethod
    def resolve_me(root, info):
        if info.context.viewer.is_public:
            return None
        return info.context.service("identity").me()

    @staticmethod
    def resolve_users(root, info, first=DEFAULT_PAGE_SIZE, after=None, region_code=None):
        page = info.context.service("identity").list_users({
            "region_code": region_code, "after": after, "limit": page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)})
        return {"items": page["items"], "next_cursor": page["next_cursor"], "total_count": page["total"]}
