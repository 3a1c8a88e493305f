"""The funding service's enums, values as the funding service spells them."""
from __future__ import annotations

import graphene


class FundingSourceKind(graphene.Enum):
    """财政预算, 政府购买服务资金, 彩票公益金, 慈善资金."""
    FISCAL = "fiscal"
    PURCHASE_OF_SERVICE = "purchase_of_service"
    LOTTERY = "lottery"
    CHARITY = "charity"


class FundingDomain(graphene.Enum):
    """Service domains money may be earmarked for (专款专用)."""
    SOCIAL_ASSISTANCE = "social_assistance"
    ELDERLY = "elderly"
    CHILDREN = "children"
    DISABILITY = "disability"
    MARRIAGE_FAMILY = "marriage_family"
    COMMUNITY_BUILDING = "community_building"
    SOCIAL_AFFAIRS = "social_affairs"
    SOCIAL_ORGANISATION_DEVELOPMENT = "social_organisation_development"
    PUBLIC_WELFARE = "public_welfare"


class ProcurementMethod(graphene.Enum):
    """公开招标 (open), 竞争性磋商 (selective), 竞争性谈判 (limited), 单一来源 (direct)."""
    OPEN = "open"
    SELECTIVE = "selective"
    LIMITED = "limited"
    DIRECT = "direct"


class AwardCriteria(graphene.Enum):
    BEST_VALUE = "best_value"
    LOWEST_PRICE = "lowest_price"


class TenderStatus(graphene.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class BidLeaderRole(graphene.Enum):
    """负责人, 发起人, 管理人员: the people the leaders' review covers."""
    RESPONSIBLE_PERSON = "responsible_person"
    FOUNDER = "founder"
    MANAGER = "manager"


class ReviewChecklistItem(graphene.Enum):
    """The organisation's qualifications checked for every bid (the first four are mandatory)."""
    LEGAL_REGISTRATION = "legal_registration"
    CREDIT_RECORD = "credit_record"
    PROFESSIONAL_STAFF = "professional_staff"
    FINANCIAL_MANAGEMENT = "financial_management"
    SERVICE_EXPERIENCE = "service_experience"
    CHARITY_RECOGNITION = "charity_recognition"


class ContractStatus(graphene.Enum):
    ACTIVE = "active"
    CLOSED = "closed"


class MilestoneType(graphene.Enum):
    STAFFING_IN_PLACE = "staffing_in_place"
    SERVICE_VOLUME = "service_volume"
    ARCHIVE_COVERAGE = "archive_coverage"
    EVALUATION_PASSED = "evaluation_passed"
    REPORT = "report"


class PlatformMetric(graphene.Enum):
    """Figures the platform counts from casework and volunteers events (milestone evidence, cost)."""
    SERVICES_DELIVERED = "services_delivered"
    VOLUNTEER_HOURS = "volunteer_hours"
    HOUSEHOLDS_SERVED = "households_served"
    HOUSEHOLDS_ASSESSED = "households_assessed"
    VISITS = "visits"
    CASES_CLOSED = "cases_closed"


class DisbursementStatus(graphene.Enum):
    """PAID; HELD: flagged for review (the reasons are in `flags`); CANCELLED: a held payment refused."""
    PAID = "paid"
    HELD = "held"
    CANCELLED = "cancelled"


class FlagDecision(graphene.Enum):
    RELEASE = "release"
    CANCEL = "cancel"


class EvaluationStatus(graphene.Enum):
    COMMISSIONED = "commissioned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class EvaluationSubjectKind(graphene.Enum):
    STATION = "station"
    CONTRACT = "contract"
