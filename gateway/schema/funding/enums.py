"""The funding service's enums, derived from its vocabularies (services/contracts/funding.py)."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts import funding as vocabulary

FundingSourceKind = vocabulary_enum("FundingSourceKind", vocabulary.SOURCE_KINDS,
                                    description="财政预算, 政府购买服务资金, 彩票公益金, 慈善资金.")
FundingDomain = vocabulary_enum("FundingDomain", vocabulary.FUNDING_DOMAINS,
                                description="Service domains money may be earmarked for (专款专用).")
ProcurementMethod = vocabulary_enum("ProcurementMethod", vocabulary.PROCUREMENT_METHODS,
                                    description="公开招标 (open), 竞争性磋商 (selective), 竞争性谈判 (limited), "
                                                "单一来源 (direct).")
# Not a vocabulary of the contracts yet: the disclosure feed maps these two to OCDS terms.
AwardCriteria = vocabulary_enum("AwardCriteria", vocabulary.AWARD_CRITERIA)
TenderStatus = vocabulary_enum("TenderStatus", vocabulary.TENDER_STATUSES)
BidLeaderRole = vocabulary_enum("BidLeaderRole", vocabulary.LEADER_ROLES,
                                description="负责人, 发起人, 管理人员: the people the leaders' review covers.")
ReviewChecklistItem = vocabulary_enum("ReviewChecklistItem", vocabulary.BID_CHECKLIST_CODES,
                                      description="The organisation's qualifications checked for every bid (the "
                                                  "first four are mandatory).")
ContractStatus = vocabulary_enum("ContractStatus", vocabulary.CONTRACT_STATUSES)
MilestoneType = vocabulary_enum("MilestoneType", vocabulary.MILESTONE_TYPES)
PlatformMetric = vocabulary_enum("PlatformMetric", vocabulary.MILESTONE_METRICS,
                                 description="Figures the platform counts from casework and volunteers events "
                                             "(milestone evidence, cost).")
DisbursementStatus = vocabulary_enum("DisbursementStatus", vocabulary.DISBURSEMENT_STATUSES,
                                     description="PAID; HELD: flagged for review (the reasons are in `flags`); "
                                                 "CANCELLED: a held payment refused.")
FlagDecision = vocabulary_enum("FlagDecision", vocabulary.FLAG_DECISIONS)
EvaluationStatus = vocabulary_enum("EvaluationStatus", vocabulary.EVALUATION_STATUSES)
EvaluationSubjectKind = vocabulary_enum("EvaluationSubjectKind", vocabulary.EVALUATION_SUBJECT_KINDS)
