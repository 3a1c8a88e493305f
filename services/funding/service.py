"""The funding service's nameko entrypoints: thin wiring from RPC and events to the use cases.

Every RPC takes `viewer` (a dict: user_id, role, region, station_ids; `{}` or role `public` is the
anonymous viewer) first. Money is integer fen (`..._fen`); dates are ISO strings. Errors are the
typed errors of services.common.errors (ValidationFailed.details names each field). Out-of-scope
records look exactly like unknown ones: NotFound for single reads and writes, None (or an empty
list) in batch reads. Lists return {"items": [...], "next_cursor": str | None, "total": int};
pass `after=next_cursor` to page. Writes that edit what the caller read take `expected_version`.

Funding sources and budget lines (civil-affairs staff of the region, administrators)
- create_source(viewer, data{name, kind: fiscal|purchase_of_service|lottery|charity, domain, year, region_code,
  funder{name, credit_code?}, document_number?, amount_fen, earmark?{domains, region_codes, station_ids}, note?})
  → Source{id, name, kind, domain, year, region_code, funder, amount_fen, allocated_fen, unallocated_fen, earmark,
  version}
- update_source(viewer, source_id, data{expected_version, name?, amount_fen?, document_number?, note?}) → Source
- allocate_budget(viewer, source_id, data{station_id | project{name, region_code}, domain?, amount_fen, note?})
  → BudgetLine{id, source_id, source_name, source_kind, source_domain, funder_name, year, region_code, station_id,
  project, domain, earmark, amount_fen, committed_fen, uncommitted_fen, version}
- list_sources(viewer, filters{region, year, kind, after, limit}) → page of Source;
  get_sources(viewer, ids) → [Source|None]
- list_budget_lines(viewer, filters{region, year, source_id, station_id, after, limit}) → page of BudgetLine
- get_budget_lines(viewer, ids) → [BudgetLine|None]
- budget_lines_for_sources(viewer, source_ids) / budget_lines_for_stations(viewer, station_ids) → {id: [BudgetLine]}

Purchase of services
- create_tender(viewer, data{title, description?, region_code, buyer{name, credit_code?}, project{name, year,
  rationale?}, station_ids, service_domains, method: open|selective|limited|direct, budget_fen, deadline (aware
  datetime), contract_period{start, end}, eligibility?, award_criteria?: best_value|lowest_price, documents?})
  → Tender{id, ocid, ..., status: draft|published|awarded|cancelled, bid_count, award, contract_id, version}
- update_tender(viewer, tender_id, data{expected_version, ...any create field}) → Tender (drafts only)
- publish_tender(viewer, tender_id, {expected_version}) → Tender;
  cancel_tender(viewer, tender_id, {expected_version, reason})
- record_bid(viewer, tender_id, data{organisation{name, credit_code, qualifications?, charity_recognised?},
  contact{name, phone}, leaders[{name, role: responsible_person|founder|manager, id_number}], price_fen, proposal?})
  → Bid{id, tender_id, organisation, contact{name, phone (masked)}, leaders[{id, name, role, id_number (masked)}],
  price_fen, received_at, review}
- review_bid(viewer, tender_id, bid_id, data{expected_version, checklist{code: {passed, note?}} (every item of
  procurement.CHECKLIST), leaders[{leader_id, political_quality, work_experience, professional_ethics, note?}],
  scores[{criterion, score, max_score}] (max scores add up to 100)})
  → Bid (review{qualified, failed_items, total_score})
- award_tender(viewer, tender_id, data{expected_version, bid_id, reason? (required unless the top score)}) → Tender
- list_tenders(viewer, filters{region, year, status, after, limit}) → page of Tender; get_tenders(viewer, ids)
- bids_for_tenders(viewer, tender_ids) → {tender_id: [Bid]} (names masked for read-only roles)
- reveal_bid_personal_data(viewer, tender_id, bid_id, reason) → {contact{name, phone}, leaders[{id, name, role,
  id_number}]}: administrators and county staff only, each call logged; access_log(viewer, filters{subject_id,
  user_id, limit}) → [{at, user_id, role, subject_type, subject_id, fields, reason}]

Contracts and disbursements
- sign_contract(viewer, tender_id, data{signed_on, staffing_promise{professional_social_workers_per_station,
  monthly_pay_fen, social_insurance?}, milestones[{id, title, type: staffing_in_place|service_volume|
  archive_coverage|evaluation_passed|report, domain?, due_on, amount_fen, deliverables?, evidence?{
  documents_required?, metric?{name, target}, min_grade?}}], title?, station_ids?, period?, amount_fen?,
  service_domains?}) → Contract{id, tender_id, ocid, title, region_code, buyer, operator{name, credit_code},
  station_ids, service_domains, period, amount_fen, signed_on, status, staffing_promise, milestones[{..., paid_fen,
  held_fen, remaining_fen}], funding[{budget_line_id, source_id, source_name, source_kind, year, region_code,
  station_id, committed_fen, paid_fen, held_fen, ...}], committed_fen, paid_fen, held_fen, remaining_fen,
  open_flags, amendments[{id, at, by, reason, changes{field: {before, after}}}], version}. Publishes contract.awarded.
- amend_contract(viewer, contract_id, data{expected_version, reason, amount_fen?, period_end?, station_ids?,
  milestones?, staffing_promise?}) → Contract
- commit_funding(viewer, contract_id, data{budget_line_id, amount_fen}) → Contract
- record_disbursement(viewer, contract_id, data{milestone_id, budget_line_id, amount_fen, paid_on, voucher_number,
  evidence?{documents[{title, number?, url?}], evaluation_id?}, note?}) → Disbursement{id, voucher_number,
  milestone_id, budget_line_id, source_id, source_kind, amount_fen, paid_on, status: paid|held|cancelled, evidence,
  flags[reason], resolution, contract_id, operator, station_ids, ...}. Refused (RuleViolation, with the reason) over
  the contract, the milestone or the budget line, against the earmark, or without the milestone's evidence; held
  (status held, flags) when the contract's staffing promise is not kept.
- resolve_flag(viewer, contract_id, disbursement_id, data{expected_version, decision: release|cancel, reason})
  → Disbursement
- close_contract(viewer, contract_id, data{expected_version, closed_on, reason}) → Contract (status closed,
  closure{closed_on, reason, returned_fen, returns[{budget_line_id, source_id, amount_fen}]}): the unspent
  committed money goes back to each budget line; refused (RuleViolation) while payments are held. A closed
  contract refuses payments, commitments and amendments (Conflict). Publishes contract.closed.
- list_contracts(viewer, filters{region, station_id, flagged, after, limit}) → page of Contract
- get_contracts(viewer, ids); contracts_for_stations(viewer, station_ids); contracts_for_tenders(viewer, tender_ids)
- disbursements_for_contracts(viewer, contract_ids) → {contract_id: [Disbursement]}
- list_disbursements(viewer, filters{region, year, status, source_id, after, limit}) → page of Disbursement
- contract_staffing(viewer, contract_ids, on=None) → [{contract_id, on, kept, problems, promise, stations[{station_id,
  staff, professional_staff, salary, social_insurance, compliance_as_of}]} | None]

Fund supervision, cost and outcome (officials; not the public)
- fund_supervision(viewer, filters{region, year?}) → {region_code, rows[{source_id, source_name, source_kind,
  source_domain, year, source_region_code, allocated_fen, contracted_fen, disbursed_fen, flagged_fen, remaining_fen,
  unallocated_fen}], by_year[...], by_kind[...], total{...}}
- cost_outcome(viewer, filters{region, year}) → {region_code, year, outcomes{households_served, households_assessed,
  services_delivered, volunteer_hours, visits, cases_closed}, by_source[{source_id, source_name, source_kind,
  disbursed_fen, cost_per_household_fen, cost_per_visit_fen, cost_per_volunteer_hour_fen}], by_kind[...],
  by_region[{region_code, disbursed_fen, <outcomes>, <costs>}], total{disbursed_fen, <costs>}}

Public disclosure (any viewer, the anonymous one included)
- disclosure_feed(viewer, filters{region, year, after, limit}) → {items: [the latest OCDS release of each
  process], next_cursor, total, package{version, publishedDate, publisher, license}}
- disclosure_releases(viewer, ocids) → [the latest OCDS release | None]
- ocds_release_package(viewer, filters{region, year, after, limit ≤ 100, uri, base_url}) → {package (an OCDS
  release package with every release of the page's processes), next_cursor, total}
- ocds_record_package(viewer, same filters) → {package (an OCDS record package: releases + compiledRelease), ...}
- lottery_fund_use(viewer, filters{region?, year?}) → {region_code, year, sources[{source_id, name, domain, year,
  region_code, amount_fen, allocated_fen, contracted_fen, disbursed_fen, flagged_fen, uses[{contract_id, ocid,
  operator_name, station_ids, paid_fen}]}]}

Third-party evaluation (counties commission; evaluators score; evaluators are read-only elsewhere)
- define_indicator_scheme(viewer, data{name, region_code, description?, indicators[{code, title, category, weight,
  max_score, guidance?}] (weights add up to 100), grades[{name, min_total}] (one starts at 0)}) → Scheme{id, name,
  region_code, indicators, grades, categories, version}
- update_indicator_scheme(viewer, scheme_id, data{expected_version, ...}) → Scheme
- list_indicator_schemes(viewer, filters{after, limit}) → page of Scheme; get_indicator_schemes(viewer, ids)
- commission_evaluation(viewer, data{subject{kind: station|contract, id}, scheme_id, evaluator{name, credit_code},
  evaluator_user_ids, period?, due_on}) → Evaluation{id, subject, contract_id, station_ids, region_code, scheme,
  evaluator, evaluator_user_ids, due_on, status: commissioned|in_progress|completed, scores[{indicator, score,
  comment, evidence, by, at}], total, grade, summary, completed_on, version}
- score_evaluation(viewer, evaluation_id, data{expected_version, scores[{indicator, score, comment, evidence?}]})
- complete_evaluation(viewer, evaluation_id, data{expected_version, summary}) → Evaluation (total and grade)
- list_evaluations(viewer, filters{region, status, subject_kind, assigned_to_me, after, limit}); get_evaluations;
  evaluations_for_contracts(viewer, contract_ids); evaluations_for_stations(viewer, station_ids)

Events published: funding_source.registered, budget.allocated, tender.published, bid.received, bid.reviewed,
tender.awarded, contract.awarded, contract.amended, contract.funding_committed, disbursement.made,
disbursement.flagged, disbursement.flag_resolved, evaluation.commissioned, evaluation.completed (events.py).
Events consumed: registry staff.joined, staff.left, staff.qualification_recorded, station.compliance_changed
(staffing projection); volunteers service.delivered and casework needs.assessed, visit.logged and case.closed
(platform figures for milestone evidence, cost and outcome);
its own contract.funding_committed and disbursement.* (to repair the funding positions after a crash).
"""
from __future__ import annotations

from nameko.timer import timer

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.consumers import Inbox
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.contracts.casework import CASE_CLOSED, NEEDS_ASSESSED, VISIT_LOGGED
from services.contracts.funding import (
    CONTRACT_CLOSED,
    DISBURSEMENT_FLAG_RESOLVED,
    DISBURSEMENT_FLAGGED,
    DISBURSEMENT_MADE,
    FUNDING_COMMITTED,
)
from services.contracts.registry import COMPLIANCE_CHANGED, QUALIFICATION_RECORDED, STAFF_JOINED, STAFF_LEFT
from services.contracts.volunteers import SERVICE_DELIVERED

from .storage import ACTIVITY, INDEXES, OUTBOX_COLLECTIONS, FundingRepository
from .usecases import (
    Funding,
    bids,
    budgets,
    closing,
    contracts,
    disbursements,
    disclosure,
    evaluations,
    projections,
    reservations,
    sources,
    supervision,
    tenders,
)

SERVICE = "funding"
ACTIVITY_BATCH = 100  # activity events applied per bulk write


class FundingService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, OUTBOX_COLLECTIONS)

    @property
    def use_cases(self) -> Funding:
        return Funding(FundingRepository(self.db))

    # sources and budget lines
    create_source = use_case_rpc(sources.create_source)
    update_source = use_case_rpc(sources.update_source)
    allocate_budget = use_case_rpc(budgets.allocate_budget)
    list_sources = use_case_rpc(sources.list_sources)
    get_sources = use_case_rpc(sources.get_sources)
    list_budget_lines = use_case_rpc(budgets.list_budget_lines)
    get_budget_lines = use_case_rpc(budgets.get_budget_lines)
    budget_lines_for_sources = use_case_rpc(budgets.budget_lines_for_sources)
    budget_lines_for_stations = use_case_rpc(budgets.budget_lines_for_stations)

    # purchase of services
    create_tender = use_case_rpc(tenders.create_tender)
    update_tender = use_case_rpc(tenders.update_tender)
    publish_tender = use_case_rpc(tenders.publish_tender)
    cancel_tender = use_case_rpc(tenders.cancel_tender)
    record_bid = use_case_rpc(bids.record_bid, sensitive_arguments=("data.contact", "data.leaders"))
    review_bid = use_case_rpc(bids.review_bid)
    award_tender = use_case_rpc(tenders.award_tender)
    list_tenders = use_case_rpc(tenders.list_tenders)
    get_tenders = use_case_rpc(tenders.get_tenders)
    bids_for_tenders = use_case_rpc(bids.bids_for_tenders)
    reveal_bid_personal_data = use_case_rpc(bids.reveal_bid_personal_data, sensitive_arguments=("reason",))
    access_log = use_case_rpc(bids.access_log)

    # contracts and disbursements
    sign_contract = use_case_rpc(contracts.sign_contract)
    amend_contract = use_case_rpc(contracts.amend_contract)
    close_contract = use_case_rpc(closing.close_contract)
    commit_funding = use_case_rpc(contracts.commit_funding)
    record_disbursement = use_case_rpc(disbursements.record_disbursement)
    resolve_flag = use_case_rpc(disbursements.resolve_flag)
    list_contracts = use_case_rpc(contracts.list_contracts)
    get_contracts = use_case_rpc(contracts.get_contracts)
    contracts_for_stations = use_case_rpc(contracts.contracts_for_stations)
    contracts_for_tenders = use_case_rpc(contracts.contracts_for_tenders)
    disbursements_for_contracts = use_case_rpc(disbursements.disbursements_for_contracts)
    list_disbursements = use_case_rpc(disbursements.list_disbursements)
    contract_staffing = use_case_rpc(contracts.contract_staffing)

    # supervision, cost and outcome
    fund_supervision = use_case_rpc(supervision.fund_supervision)
    cost_outcome = use_case_rpc(supervision.cost_outcome)

    # public disclosure
    disclosure_feed = use_case_rpc(disclosure.disclosure_feed)
    disclosure_releases = use_case_rpc(disclosure.disclosure_releases)
    ocds_release_package = use_case_rpc(disclosure.ocds_release_package)
    ocds_record_package = use_case_rpc(disclosure.ocds_record_package)
    lottery_fund_use = use_case_rpc(disclosure.lottery_fund_use)

    # third-party evaluation
    define_indicator_scheme = use_case_rpc(evaluations.define_indicator_scheme)
    update_indicator_scheme = use_case_rpc(evaluations.update_indicator_scheme)
    list_indicator_schemes = use_case_rpc(evaluations.list_indicator_schemes)
    get_indicator_schemes = use_case_rpc(evaluations.get_indicator_schemes)
    commission_evaluation = use_case_rpc(evaluations.commission_evaluation)
    score_evaluation = use_case_rpc(evaluations.score_evaluation)
    complete_evaluation = use_case_rpc(evaluations.complete_evaluation)
    list_evaluations = use_case_rpc(evaluations.list_evaluations)
    get_evaluations = use_case_rpc(evaluations.get_evaluations)
    evaluations_for_contracts = use_case_rpc(evaluations.evaluations_for_contracts)
    evaluations_for_stations = use_case_rpc(evaluations.evaluations_for_stations)

    # events from the registry: the staffing projection
    @event_handler(STAFF_JOINED)
    def on_staff_joined(self, event):
        projections.project_staff_joined(self.use_cases, event)

    @event_handler(STAFF_LEFT)
    def on_staff_left(self, event):
        projections.project_staff_left(self.use_cases, event)

    @event_handler(QUALIFICATION_RECORDED)
    def on_qualification_recorded(self, event):
        projections.project_qualification(self.use_cases, event)

    @event_handler(COMPLIANCE_CHANGED)
    def on_compliance_changed(self, event):
        projections.project_compliance(self.use_cases, event)

    # events from volunteers and casework: platform figures for evidence and cost/outcome, one row per event
    # made from the event alone, so they are consumed in batches and each row is its own inbox record
    # (services/common/batching.py)
    @event_handler(SERVICE_DELIVERED, batch_size=ACTIVITY_BATCH, records=ACTIVITY)
    def on_service_delivered(self, events):
        return projections.activity_records("service_delivered", events)

    @event_handler(NEEDS_ASSESSED, batch_size=ACTIVITY_BATCH, records=ACTIVITY)
    def on_needs_assessed(self, events):
        return projections.activity_records("needs_assessed", events)

    @event_handler(VISIT_LOGGED, batch_size=ACTIVITY_BATCH, records=ACTIVITY)
    def on_visit_logged(self, events):
        return projections.activity_records("visit_logged", events)

    @event_handler(CASE_CLOSED, batch_size=ACTIVITY_BATCH, records=ACTIVITY)
    def on_case_closed(self, events):
        return projections.activity_records("case_closed", events)

    # its own events: the funding positions the supervision view sums (repaired after a crash)
    @event_handler(FUNDING_COMMITTED)
    def on_funding_committed(self, event):
        projections.sync_positions(self.use_cases, event.payload["contract_id"])

    @event_handler(DISBURSEMENT_MADE)
    def on_disbursement_made(self, event):
        projections.sync_positions(self.use_cases, event.payload["contract_id"])

    @event_handler(DISBURSEMENT_FLAGGED)
    def on_disbursement_flagged(self, event):
        projections.sync_positions(self.use_cases, event.payload["contract_id"])

    @event_handler(DISBURSEMENT_FLAG_RESOLVED)
    def on_disbursement_flag_resolved(self, event):
        projections.sync_positions(self.use_cases, event.payload["contract_id"])

    @event_handler(CONTRACT_CLOSED)
    def on_contract_closed(self, event):
        """Completes the budget-line returns of a closing that died after its contract write."""
        closing.complete_closing(self.use_cases, event.payload["contract_id"])

    @timer(interval=60)
    def settle_reservations(self):
        reservations.settle_reservations(self.use_cases)
