"""Casework's enums, derived from the shared vocabularies (services/contracts/vocabulary.py) and
spelled as casework spells the values.
"""
from __future__ import annotations

from gateway.schema.base import UNDESCRIBED, vocabulary_enum
from services.contracts import vocabulary as catalogue
from services.contracts.vocabulary import DOMAINS, STAGES

CaseDomain = vocabulary_enum("CaseDomain", DOMAINS,
                             description="Service domains of casework: "
                                         + ", ".join(f"{d} {catalogue.DOMAIN_LABELS[d]}" for d in DOMAINS) + ".")
CaseStage = vocabulary_enum("CaseStage", STAGES,
                            description="intake → assessment → plan → in_service → review → (in_service | plan); "
                                        "closed by an approved closure request; reopen → assessment.")
CaseStageFilter = vocabulary_enum("CaseStageFilter", catalogue.STAGE_FILTERS,
                                  description="A stage, or OPEN: any stage but closed.")
PersonTag = vocabulary_enum("PersonTag", catalogue.TAGS,
                            description="Who the safety net is for (人员标签): "
                                        + ", ".join(f"{t} {label}" for t, label in catalogue.TAGS.items()) + ".")
HouseholdRelationship = vocabulary_enum("HouseholdRelationship", catalogue.RELATIONSHIPS,
                                        description="Relationship to the head of the household (户主).")
ConsentGiverRelationship = vocabulary_enum("ConsentGiverRelationship", catalogue.CONSENT_GIVER_RELATIONSHIPS,
                                           description="How whoever gives consent is related to the person; "
                                                       "a minor's consent comes from a guardian.")
Sex = vocabulary_enum("Sex", catalogue.SEXES, description=UNDESCRIBED)
DisabilityCategory = vocabulary_enum("DisabilityCategory", catalogue.DISABILITY_CATEGORIES, description=UNDESCRIBED)
NeedSeverity = vocabulary_enum("NeedSeverity", catalogue.SEVERITIES,
                               description="Weighs in the risk rule: low 1, medium 4, high 10, urgent → critical.")
RiskLevel = vocabulary_enum("RiskLevel", catalogue.RISK_LEVELS,
                            description="Computed from an assessment's needs (services/casework/domain.py).")
NeedType = vocabulary_enum("NeedType", dict.fromkeys(code for types in catalogue.NEED_TYPES.values() for code in types),
                           description="Need types of the guide list; each domain accepts its own "
                                       "(see needTypeLabel and services/casework/catalogue.py).")
VisitType = vocabulary_enum("VisitType", catalogue.VISIT_TYPES, description=UNDESCRIBED)
ServiceActivity = vocabulary_enum("ServiceActivity", catalogue.SERVICE_ACTIVITIES,
                                  description="Service activities of the guide list.")
CaseSource = vocabulary_enum("CaseSource", catalogue.CASE_SOURCES, description=UNDESCRIBED)
ClosureReason = vocabulary_enum("ClosureReason", catalogue.CLOSURE_REASONS, description=UNDESCRIBED)
CaseOutcome = vocabulary_enum("CaseOutcome", catalogue.OUTCOMES, description=UNDESCRIBED)
LegalBasis = vocabulary_enum("LegalBasis", catalogue.LEGAL_BASES,
                             description="Why personal data may be processed (PIPL art. 13): consent, a statutory "
                                         "duty, or a vital interest in an emergency.")
ConsentPurpose = vocabulary_enum("ConsentPurpose", catalogue.CONSENT_PURPOSES, description=UNDESCRIBED)
ReferralTargetKind = vocabulary_enum("ReferralTargetKind", catalogue.REFERRAL_TARGETS, description=UNDESCRIBED)
ReferralStatus = vocabulary_enum("ReferralStatus", catalogue.REFERRAL_STATUSES,
                                 description=UNDESCRIBED)
ReferralAnswer = vocabulary_enum("ReferralAnswer", catalogue.REFERRAL_ANSWERS,
                                 description="sent → accepted | declined; accepted → completed | declined.")
SharingBasisKind = vocabulary_enum("SharingBasisKind", catalogue.SHARING_BASIS_KINDS, description=UNDESCRIBED)
ApprovalDecision = vocabulary_enum("ApprovalDecision", catalogue.APPROVAL_DECISIONS, description=UNDESCRIBED)
RemovalReason = vocabulary_enum("RemovalReason", catalogue.REMOVAL_REASONS, description=UNDESCRIBED)
CrisisState = vocabulary_enum("CrisisState", catalogue.CRISIS_STATES,
                              description="AWAITING_CONTACT within 24 hours of the flag, OVERDUE after that, "
                                          "CONTACTED once a visit or call is logged, RESOLVED.")
PlanStatus = vocabulary_enum("PlanStatus", catalogue.PLAN_STATUSES,
                             description=UNDESCRIBED)
ClosureRequestStatus = vocabulary_enum("ClosureRequestStatus", catalogue.CLOSURE_REQUEST_STATUSES,
                                       description=UNDESCRIBED)
HouseholdStatus = vocabulary_enum("HouseholdStatus", catalogue.HOUSEHOLD_STATUSES,
                                  description="CLOSED: every member was merged into another household.")
ArchiveVersionKind = vocabulary_enum("ArchiveVersionKind", catalogue.ARCHIVE_VERSION_KINDS,
                                     description=UNDESCRIBED)
DuplicateReason = vocabulary_enum("DuplicateReason", catalogue.DUPLICATE_REASONS,
                                  description=UNDESCRIBED)
DuplicateFlagStatus = vocabulary_enum("DuplicateFlagStatus", catalogue.DUPLICATE_FLAG_STATUSES, description=UNDESCRIBED)
CaseSubject = vocabulary_enum("CaseSubject", catalogue.CASE_SUBJECTS, description=UNDESCRIBED)
RosterSource = vocabulary_enum("RosterSource", catalogue.ROSTER_SOURCES,
                               description="Rosters other agencies keep: "
                                           + ", ".join(f"{s} {label}" for s, label in catalogue.ROSTER_SOURCES.items())
                                           + ".")
RosterField = vocabulary_enum("RosterField", catalogue.ROSTER_FIELDS,
                              description="What casework reads from a roster's columns.")
RosterRowOutcome = vocabulary_enum("RosterRowOutcome", catalogue.ROSTER_ROW_OUTCOMES,
                                   description="matched (tag and status recorded), unchanged (the record said so "
                                               "already), created (a new household), flagged (for review), failed.")
RosterImportStatus = vocabulary_enum("RosterImportStatus", catalogue.ROSTER_IMPORT_STATUSES, description=UNDESCRIBED)
