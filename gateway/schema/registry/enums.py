"""The registry's enums, derived from its vocabularies (services/contracts/registry.py): station status
and legal form, staff roles, qualifications, compliance rules; and the kernel's roles."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.common.auth import ROLES
from services.contracts import registry as vocabulary
from services.contracts.qualifications import DIPLOMA_LEVELS, QUALIFICATION_KINDS

StationStatus = vocabulary_enum("StationStatus", vocabulary.STATION_STATUSES,
                                description="Where a station is in its life: planned → operating ⇄ suspended → "
                                            "closed (→ operating).")
ComplianceStatus = vocabulary_enum("ComplianceStatus", (vocabulary.MET, vocabulary.NOT_MET, vocabulary.AT_RISK,
                                                        vocabulary.UNKNOWN),
                                   description="Overall standing against the station standard: the worst of its rules.")
RuleStatus = vocabulary_enum("RuleStatus", vocabulary.COMPLIANCE_STATUSES,
                             description="One rule's standing. ON_TRACK / AT_RISK: the yearly training rule during "
                                         "the year.")
ComplianceRule = vocabulary_enum("ComplianceRule", vocabulary.COMPLIANCE_RULES,
                                 description="The rules of the Jiangsu station standard that are computed from the "
                                             "registry's data.")
LegalForm = vocabulary_enum("LegalForm", vocabulary.LEGAL_FORMS)
StaffRole = vocabulary_enum("StaffRole", vocabulary.STAFF_ROLES)
QualificationKind = vocabulary_enum("QualificationKind", QUALIFICATION_KINDS)
QualificationLevel = vocabulary_enum("QualificationLevel", (*vocabulary.CERTIFICATE_LEVELS, *DIPLOMA_LEVELS),
                                     description="Certificate levels (助理社会工作师, 社会工作师, 高级社会工作师) and "
                                                 "diploma levels (大专 and up).")
RegionLevel = vocabulary_enum("RegionLevel", vocabulary.REGION_LEVELS)
Role = vocabulary_enum("Role", ROLES,
                       description="What a user may see and change; their scope is a region or stations.")
