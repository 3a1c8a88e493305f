"""The vocabularies several services share (casework's, volunteers', the gateway's enums), taken from the
Jiangsu service guide list (the notice's attachment) and common civil-affairs practice. Codes are stable
English identifiers; labels are what users read. Pure data, no I/O.

Changing a label is harmless; removing a code breaks stored records and event consumers, so codes
are only ever added.
"""
from __future__ import annotations

# The safety-net domains of the notice's section 二(二): of a case, a need, a volunteer's skill.
DOMAINS = ("social_assistance", "elderly", "children", "disability", "marriage_family", "other")

# The stages a case moves through, in order; `closed` is the last.
STAGES = ("intake", "assessment", "plan", "in_service", "review", "closed")
# What a case list may be narrowed to: a stage, or "open" (any stage but closed).
STAGE_FILTERS = (*STAGES, "open")

# What volunteers offer; the volunteers service matches need types to these.
SKILLS = ("companionship", "counselling", "driving", "employment_coaching", "family_mediation", "first_aid",
          "home_care", "home_repair", "housekeeping", "legal_advice", "meal_delivery", "medical_care", "nursing",
          "parenting_education", "policy_guidance", "psychological_support", "recreation", "rehabilitation",
          "sign_language", "tutoring")

DOMAIN_LABELS = {
    "social_assistance": "社会救助",
    "elderly": "养老服务",
    "children": "儿童关爱保护",
    "disability": "残障人士服务",
    "marriage_family": "婚姻家庭（含家庭暴力）",
    "other": "其他服务",
}
assert set(DOMAIN_LABELS) == set(DOMAINS)

# Need types per domain: the guide list's services, read as the needs they answer.
NEED_TYPES: dict[str, dict[str, str]] = {
    "social_assistance": {
        "economic_status_investigation": "家庭经济状况调查评估",
        "basic_living": "基本生活保障",
        "medical_assistance": "医疗救助",
        "education_assistance": "教育救助",
        "housing_assistance": "住房救助",
        "employment_support": "就业帮扶",
        "temporary_assistance": "临时救助",
        "psychological_support": "心理支持",
        "resource_linking": "资源链接",
        "capacity_building": "能力提升",
        "social_integration": "社会融入",
    },
    "elderly": {
        "home_visit": "入户探访",
        "daily_care": "生活照料",
        "disability_care": "失能照护",
        "dementia_care": "失智照护",
        "psychosocial_support": "心理社会支持",
        "resource_linking": "资源链接",
        "relationship_adjustment": "关系调适",
        "social_participation": "社会参与",
    },
    "children": {
        "minor_protection": "未成年人保护",
        "guardianship_support": "监护支持",
        "follow_up_verification": "困境儿童家庭随访与核查评估",
        "parenting_education": "亲职教育",
        "legal_education": "法制宣传",
        "safety_health_education": "安全健康教育",
        "psychosocial_support": "心理社会支持",
        "family_function": "家庭功能提升",
        "social_integration": "社会融入",
        "resource_linking": "资源链接",
        "study_support": "学业辅导",
    },
    "disability": {
        "two_subsidies": "“两项补贴”政策咨询与申请",
        "mental_health_rehabilitation": "精神障碍社区康复",
        "home_visit": "入户走访",
        "psychosocial_support": "心理社会支持",
        "social_integration": "社会融入",
        "skills_training": "技能提升",
        "assistive_devices": "辅具适配",
    },
    "marriage_family": {
        "marriage_counselling": "婚姻家庭辅导",
        "domestic_violence_prevention": "家庭暴力预防",
        "domestic_violence_crisis": "家庭暴力危机介入",
        "family_relationship": "家庭关系调适",
    },
    "other": {
        "policy_publicity": "政策宣传",
        "community_participation": "社区参与",
        "other": "其他需求",
    },
}
assert set(NEED_TYPES) == set(DOMAINS)

SEVERITIES = ("low", "medium", "high", "urgent")
RISK_LEVELS = ("low", "medium", "high", "critical")

# Person tags (人员标签): who the safety net is for. Some only fit an age group.
TAGS = {
    "minimum_living_guarantee": "低保",
    "extreme_poverty": "特困",
    "low_income_margin": "低保边缘",
    "temporary_assistance": "临时救助",
    "disability": "残疾",
    "elderly_living_alone": "独居老人",
    "empty_nest_elderly": "空巢老人",
    "left_behind_elderly": "留守老人",
    "disabled_or_demented_elderly": "失能失智老人",
    "special_family_planning": "计划生育特殊家庭",
    "child_in_difficulty": "困境儿童",
    "left_behind_child": "留守儿童",
    "de_facto_unsupported_child": "事实无人抚养儿童",
    "domestic_violence_victim": "家庭暴力受害人",
    "serious_illness": "重病患者",
    "mental_disorder": "严重精神障碍患者",
}
ELDERLY_AGE = 60
ADULT_AGE = 18
ELDERLY_TAGS = frozenset({"elderly_living_alone", "empty_nest_elderly", "left_behind_elderly",
                          "disabled_or_demented_elderly"})
CHILD_TAGS = frozenset({"child_in_difficulty", "left_behind_child", "de_facto_unsupported_child"})
# Tags that make any need weigh more in the risk rule (see domain.risk_level).
VULNERABLE_TAGS = frozenset({"elderly_living_alone", "disabled_or_demented_elderly", "child_in_difficulty",
                             "left_behind_child", "de_facto_unsupported_child", "domestic_violence_victim",
                             "extreme_poverty", "mental_disorder"})

DISABILITY_CATEGORIES = {"visual": "视力残疾", "hearing": "听力残疾", "speech": "言语残疾", "physical": "肢体残疾",
                         "intellectual": "智力残疾", "mental": "精神残疾", "multiple": "多重残疾"}
DISABILITY_GRADES = (1, 2, 3, 4)

RELATIONSHIPS = {
    "head": "户主", "spouse": "配偶", "son": "子", "daughter": "女", "father": "父亲", "mother": "母亲",
    "grandson": "孙子", "granddaughter": "孙女", "grandfather": "祖父", "grandmother": "祖母",
    "brother": "兄弟", "sister": "姐妹", "son_in_law": "女婿", "daughter_in_law": "儿媳", "other": "其他",
}
# How whoever gives consent is related to the person: a relative, or a minor's appointed guardian.
CONSENT_GIVER_RELATIONSHIPS = (*RELATIONSHIPS, "legal_guardian")
# Who may act as a minor's guardian when consent is needed (未成年人的监护人).
GUARDIAN_RELATIONSHIPS = frozenset({"father", "mother", "grandfather", "grandmother", "brother", "sister",
                                    "legal_guardian"})

VISIT_TYPES = {"home_visit": "入户探访", "phone_call": "电话联系", "office_visit": "来站访谈",
               "video_call": "视频联系", "outreach": "主动巡访"}

SERVICE_ACTIVITIES = {
    "psychosocial_support": "心理社会支持", "resource_linking": "资源链接", "capacity_building": "能力提升",
    "social_integration": "社会融入", "parenting_education": "亲职教育", "legal_education": "法制宣传",
    "safety_health_education": "安全健康教育", "family_function": "家庭功能提升",
    "relationship_adjustment": "关系调适", "social_participation": "社会参与",
    "rehabilitation": "康复服务", "skills_training": "技能提升", "counselling": "辅导咨询",
    "crisis_intervention": "危机介入", "policy_publicity": "政策宣传",
    "economic_status_investigation": "家庭经济状况调查", "daily_care": "生活照料", "other": "其他服务",
}

CASE_SOURCES = ("outreach", "verification", "self_referral", "referral_in", "hotline", "needs_assessment")
CLOSURE_REASONS = {"goals_achieved": "目标达成", "referred_elsewhere": "已转介", "moved_away": "迁出",
                   "deceased": "死亡", "declined_service": "拒绝服务", "not_eligible": "不符合条件",
                   "lost_contact": "失联", "other": "其他"}
OUTCOMES = ("achieved", "partially_achieved", "not_achieved", "not_applicable")

# Legal bases for processing personal data (PIPL art. 13): consent, or what the law allows without it.
LEGAL_BASES = {
    "consent": "个人同意",
    "statutory_duty": "履行法定职责或法定义务所必需",
    "vital_interest": "紧急情况下保护生命健康和财产安全所必需",
}
CONSENT_PURPOSES = {"archive": "建立需求档案", "casework": "个案服务", "referral_sharing": "转介时共享个人信息",
                    "volunteer_matching": "志愿服务对接"}

REFERRAL_TARGETS = ("resource", "organisation", "agency")

REMOVAL_REASONS = ("moved_out", "deceased", "recorded_in_error")


# --- casework's record states and choices, shared with the gateway's enums (in the order the schema lists them) ---
SEXES = ("male", "female")
REFERRAL_STATUSES = ("sent", "accepted", "declined", "completed")
REFERRAL_ANSWERS = REFERRAL_STATUSES[1:]  # what a receiving party may answer: every status but the first
SHARING_BASIS_KINDS = ("consent", "legal_basis")
APPROVAL_DECISIONS = ("approved", "rejected")
CRISIS_STATES = ("awaiting_contact", "overdue", "contacted", "resolved")
ACTIVE_CRISIS_STATES = CRISIS_STATES[:3]  # a crisis still awaiting or holding its first contact
PLAN_STATUSES = ("submitted", "approved", "rejected", "withdrawn", "superseded")
CLOSURE_REQUEST_STATUSES = ("pending", *APPROVAL_DECISIONS)
HOUSEHOLD_STATUSES = ("active", "closed")
ARCHIVE_VERSION_KINDS = ("initial", "reassessment", "amendment")
DUPLICATE_REASONS = ("same_name_and_birth_date", "same_phone")
DUPLICATE_FLAG_STATUSES = ("open", "dismissed", "merged")
CASE_SUBJECTS = ("person", "household")

def need_type_label(domain: str, need_type: str) -> str | None:
    return NEED_TYPES.get(domain, {}).get(need_type)


# --- the volunteers service's vocabularies (resources, needs, charity), shared with the gateway's enums -----------
ORGANISATION_KINDS = {
    "community_social_organisation": "社区社会组织",
    "charity_organisation": "公益慈善组织",
    "community_foundation": "社区基金会",
    "volunteer_team": "志愿服务队伍",
    "agency_grassroots_service": "部门和群团组织基层服务力量",
}
FACILITY_KINDS = {
    "community_service_centre": "村(社区)服务中心",
    "children_care_home": "儿童“关爱之家”",
    "disabled_persons_home": "残疾人之家",
    "mental_health_rehab_point": "精神障碍社区康复服务点",
    "elderly_care_institution": "养老服务机构",
}
RESOURCE_KINDS = {**ORGANISATION_KINDS, **FACILITY_KINDS}
NEED_STATUSES = ("open", "proposed", "matched", "delivered", "unmet", "withdrawn")
REVIEW_DECISIONS = ("confirmed", "updated", "closed")  # what a yearly review can conclude
# A resource's review history starts with its registration, so it holds one outcome no reviewer chooses.
REVIEW_OUTCOMES = ("registered", *REVIEW_DECISIONS)
# Charity stock categories.
ITEM_CATEGORIES = ("money", "food", "clothing", "daily_necessities", "school_supplies", "assistive_devices",
                   "medical_supplies", "other")
VOLUNTEER_STATUSES = ("active", "paused", "left")
BACKGROUND_CHECK_RESULTS = ("passed", "failed")
VOLUNTEER_HOURS_STATUSES = ("pending", "approved", "rejected")
VOLUNTEER_TEAM_STATUSES = ("active", "dissolved")
RESOURCE_CATEGORIES = ("organisation", "facility")  # ORGANISATION_KINDS, FACILITY_KINDS
RESOURCE_STATUSES = ("active", "closed")
DONATION_KINDS = ("money", "goods")
DONOR_KINDS = ("individual", "organisation", "anonymous")
MATCH_CANDIDATE_KINDS = ("volunteer", "resource", "charity")
# "cancelled": the proposal's task was cancelled, so matching does not offer that candidate again.
MATCH_PROPOSAL_STATES = ("proposed", "accepted", "declined", "withdrawn", "cancelled")
MATCH_TASK_STATUSES = ("open", "completed", "cancelled")


# --- rosters other agencies keep (issue 13): the source, what it is called, the person tag it stands for -----------
ROSTER_SOURCES = {
    "dibao": "最低生活保障（低保）",
    "tekun": "特困人员",
    "dibao_edge": "低保边缘家庭",
    "disability": "残疾人（残联）",
    "children_in_difficulty": "困境儿童",
    "left_behind_children": "留守儿童",
    "elderly_alone": "独居老人",
}
ROSTER_SOURCE_TAGS = {
    "dibao": "minimum_living_guarantee", "tekun": "extreme_poverty", "dibao_edge": "low_income_margin",
    "disability": "disability", "children_in_difficulty": "child_in_difficulty",
    "left_behind_children": "left_behind_child", "elderly_alone": "elderly_living_alone",
}
assert set(ROSTER_SOURCES) == set(ROSTER_SOURCE_TAGS) and set(ROSTER_SOURCE_TAGS.values()) <= set(TAGS)
# What a roster import did with one row of the file.
ROSTER_ROW_OUTCOMES = ("matched", "unchanged", "created", "flagged", "failed")
ROSTER_IMPORT_STATUSES = ("running", "completed")
# The columns a roster's mapping may name (its headers → these fields).
ROSTER_FIELDS = ("id_number", "name", "community_code", "community_name", "address", "phone", "listed_since",
                 "disability_category", "disability_grade")
