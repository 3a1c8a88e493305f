"""The registry's enums: station status and legal form, staff roles, qualifications, compliance rules."""
from __future__ import annotations

import graphene

from services.common.auth import ROLES


class StationStatus(graphene.Enum):
    """Where a station is in its life: planned → operating ⇄ suspended → closed (→ operating)."""
    PLANNED = "planned"
    OPERATING = "operating"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ComplianceStatus(graphene.Enum):
    """Overall standing against the station standard: the worst of its rules."""
    MET = "met"
    NOT_MET = "not_met"
    AT_RISK = "at_risk"
    UNKNOWN = "unknown"


class RuleStatus(graphene.Enum):
    """One rule's standing. ON_TRACK / AT_RISK: the yearly training rule during the year."""
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"


class ComplianceRule(graphene.Enum):
    """The rules of the Jiangsu station standard that are computed from the registry's data."""
    VENUE_AREA = "venue_area"
    SIGNBOARD = "signboard"
    PROFESSIONAL_STAFF = "professional_staff"
    TRAINING_HOURS = "training_hours"
    SALARY = "salary"
    SOCIAL_INSURANCE = "social_insurance"


class LegalForm(graphene.Enum):
    REGISTERED_INSTITUTION = "registered_institution"
    OPERATED_BY_ORGANISATION = "operated_by_organisation"


class StaffRole(graphene.Enum):
    STATION_LEAD = "station_lead"
    SOCIAL_WORKER = "social_worker"
    ASSISTANT = "assistant"
    ADMINISTRATOR = "administrator"


class QualificationKind(graphene.Enum):
    CERTIFICATE = "certificate"
    DIPLOMA = "diploma"


class QualificationLevel(graphene.Enum):
    """Certificate levels (助理社会工作师, 社会工作师, 高级社会工作师) and diploma levels (大专 and up)."""
    ASSISTANT_SOCIAL_WORKER = "assistant_social_worker"
    SOCIAL_WORKER = "social_worker"
    SENIOR_SOCIAL_WORKER = "senior_social_worker"
    JUNIOR_COLLEGE = "junior_college"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


class RegionLevel(graphene.Enum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


Role = graphene.Enum("Role", [(role.upper(), role) for role in ROLES],
                     description="What a user may see and change; their scope is a region or stations.")
