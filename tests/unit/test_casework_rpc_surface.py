"""Casework's RPC surface as the gateway calls it: every method's name and arguments, as they were before the
entrypoints were declared with use_case_rpc. A renamed argument or a lost default would break callers
silently (nameko checks the arguments a request brings against this signature)."""
from __future__ import annotations

import inspect

from services.casework.service import CaseworkService

RPC_SURFACE = {
    "register_household": "viewer data",
    "import_households": "viewer rows",
    "update_household": "viewer household_id data",
    "add_member": "viewer household_id data",
    "update_member": "viewer household_id person_id data",
    "remove_member": "viewer household_id person_id data",
    "record_consent": "viewer household_id data",
    "withdraw_consent": "viewer household_id data",
    "merge_persons": "viewer data",
    "dismiss_duplicate_flag": "viewer household_id data",
    "roster_mapping": "viewer source region=None",
    "save_roster_mapping": "viewer data",
    "start_roster_import": "viewer data",
    "get_roster_imports": "viewer ids",
    "list_roster_imports": "viewer filters=None",
    "roster_import_rows": "viewer import_id filters=None",
    "roster_import_report": "viewer import_id",
    "list_duplicate_flags": "viewer filters=None",
    "reveal_person": "viewer household_id person_id reason",
    "get_households": "viewer ids",
    "list_households": "viewer filters=None",
    "get_persons": "viewer person_ids",
    "persons_for_households": "viewer household_ids",
    "assess_needs": "viewer household_id data",
    "archives_for_households": "viewer household_ids as_of=None",
    "archive_history": "viewer household_ids",
    "archive_overdue_summary": "viewer filters=None",
    "open_case": "viewer data",
    "change_stage": "viewer case_id data",
    "record_case_assessment": "viewer case_id data",
    "submit_plan": "viewer case_id data",
    "decide_plan": "viewer case_id data",
    "request_closure": "viewer case_id data",
    "decide_closure": "viewer case_id data",
    "reopen_case": "viewer case_id data",
    "reassign_case": "viewer case_id data",
    "inbox_items": "viewer",
    "log_case_visit": "viewer case_id data",
    "log_household_visit": "viewer household_id data",
    "record_service": "viewer case_id data",
    "flag_crisis": "viewer case_id data",
    "resolve_crisis": "viewer case_id data",
    "make_referral": "viewer case_id data",
    "answer_referral": "viewer case_id data",
    "reveal_case_notes": "viewer case_id reason",
    "get_cases": "viewer ids",
    "list_cases": "viewer filters=None",
    "cases_for_households": "viewer household_ids",
    "visits_for_cases": "viewer case_ids",
    "services_for_cases": "viewer case_ids",
    "referrals_for_cases": "viewer case_ids",
    "visits_for_households": "viewer household_ids",
    "case_summary": "viewer filters=None",
    "caseloads_for_stations": "viewer station_ids",
    "create_campaign": "viewer data",
    "get_campaigns": "viewer ids",
    "list_campaigns": "viewer filters=None",
    "campaign_progress": "viewer campaign_id filters=None",
    "access_log": "viewer filters=None",
    "revoke_referral": "viewer case_id data",
    "agency_referrals": "viewer filters=None",
    "answer_as_agency": "viewer data",
    "expire_referrals": "viewer",
    "record_agency_calls": "viewer calls",
}


def _arguments(method) -> str:
    parameters = list(inspect.signature(method).parameters.values())[1:]  # after self
    return " ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
                    for p in parameters)


def test_every_rpc_method_keeps_its_name_and_arguments():
    declared = {name: _arguments(getattr(CaseworkService, name)) for name in RPC_SURFACE}
    assert declared == RPC_SURFACE


def test_the_service_declares_no_rpc_method_beyond_the_surface_and_the_kernel_mixins():
    own = {name for name, value in vars(CaseworkService).items() if callable(value) and not name.startswith("_")
           and name not in ("use_cases",)}
    handlers = {"on_station_registered", "on_station_updated", "on_staff_joined", "on_staff_left",
                "on_service_delivered", "sweep_crisis_contacts", "work_on_roster_imports", "on_agency_registered",
                "sweep_referral_expiry"}
    assert own - handlers == set(RPC_SURFACE)
