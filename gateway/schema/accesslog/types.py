"""One read of unmasked personal data, and a page of them."""
from __future__ import annotations

import graphene

from gateway.schema.accesslog.enums import PersonalDataService
from gateway.schema.scalars import DateTime


class PersonalDataAccess(graphene.ObjectType):
    """One read of unmasked personal data: who, what, when, why, and the scope of the record read."""
    id = graphene.ID(required=True)
    at = DateTime(required=True)
    service = PersonalDataService(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    action = graphene.String()
    subject_type = graphene.String(required=True)
    subject_id = graphene.String(required=True)
    household_id = graphene.ID(description="For a person: their household.")
    station_id = graphene.ID(description="The station of the record read (none for a bid).")
    region_code = graphene.String(description="The region of the record read.")
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String()
    agency_id = graphene.ID(description="For a call of an agency's client (action agency_call): its agency.")
    outcome = graphene.String(description="For a call of an agency's client: answered, refused or failed.")


class PersonalDataAccessPage(graphene.ObjectType):
    """One page of the access log, newest first. Pass `nextCursor` as `after` for the next page."""
    items = graphene.List(graphene.NonNull(PersonalDataAccess), required=True)
    next_cursor = graphene.String()
