"""Money to service to outcome: a contract's (or one disbursement's) money by fund source beside the service
delivered at the contract's stations in its period, the cost per household served, visit and positively closed
case, and the records behind each figure (domain/outcomes.py has the definitions).

Who sees it: the scorecard rule for a contract (access.scorecard_viewer): administrators; province, city and
county staff whose region holds the contract's; an evaluator while an evaluation of the contract they were
commissioned for runs (records masked for them). Anyone else gets NotFound, as if the contract were unknown.
"""
from __future__ import annotations

import re

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.common import clock
from services.common.auth import EVALUATOR, Viewer
from services.common.errors import NotFound, ValidationFailed
from services.common.rpc import load

from ..domain import outcomes
from ..outcome_storage import contract_money
from . import Supervision
from .access import require_signed_in, scorecard_viewer

RECORD_ID = r"^[A-Za-z0-9_.:-]{1,80}$"


class OutcomeRecordsSchema(Schema):
    contract_id = fields.String(load_default=None, validate=validate.Regexp(RECORD_ID))
    disbursement_id = fields.String(load_default=None, validate=validate.Regexp(RECORD_ID))
    kind = fields.String(required=True, validate=validate.OneOf(outcomes.RECORD_KINDS))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{1,7}$"))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _one_subject(self, data, **_kwargs):
        if (data.get("contract_id") is None) == (data.get("disbursement_id") is None):
            raise SchemaError("give a contract_id or a disbursement_id", "contract_id")


def contract_outcome(supervision: Supervision, viewer: Viewer, contract_id: str) -> dict:
    """The contract's money by fund source, the service in its period and the cost per unit of it."""
    return _outcome(supervision, viewer, contract_id=_checked("contract_id", contract_id))[0]


def disbursement_outcome(supervision: Supervision, viewer: Viewer, disbursement_id: str) -> dict:
    """One payment's money (its source) over what its contract's stations did from the start up to its day."""
    return _outcome(supervision, viewer, disbursement_id=_checked("disbursement_id", disbursement_id))[0]


def outcome_records(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """The households, visits, cases or volunteer hours behind an outcome's figures, a page at a time."""
    data = load(OutcomeRecordsSchema, request)
    _, records, for_evaluator = _outcome(supervision, viewer, contract_id=data["contract_id"],
                                         disbursement_id=data["disbursement_id"])
    return outcomes.records_page(records, data["kind"], int(data["after"] or 0), data["limit"], for_evaluator)


def _checked(name: str, value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(RECORD_ID, value):
        raise ValidationFailed.field(name, "an id of letters, digits and _.:- (1 to 80)")
    return value


def _outcome(supervision: Supervision, viewer: Viewer, contract_id: str | None = None,
             disbursement_id: str | None = None) -> tuple[dict, dict[str, list[dict]], bool]:
    require_signed_in(viewer, "contract outcomes")
    money = contract_money(supervision.repo.db)
    payment = None
    if disbursement_id is not None:
        payment = money["disbursements"].get(disbursement_id)
        if payment is None:
            raise NotFound(f"unknown disbursement {disbursement_id}", {"disbursement_id": ["no such disbursement"]})
        contract_id = payment["contract_id"]
    contract = money["contracts"].get(contract_id or "")
    if contract is None or "period_start" not in contract:
        raise NotFound(f"unknown contract {contract_id}", {"contract_id": ["no such contract"]})
    models = supervision.repo.read_models()
    subject = {"kind": "contract", "id": contract_id, "region_code": contract["region_code"],
               "station_ids": contract["station_ids"]}
    scorecard_viewer(viewer, subject, models.evaluations, clock.today().isoformat())
    for_evaluator = viewer.role == EVALUATOR
    if payment is None:
        window = outcomes.contract_window(contract)
        rows = outcomes.contract_money(contract, [d for d in money["disbursements"].values()
                                                  if d["contract_id"] == contract_id])
        about = {"kind": "contract", "id": contract_id, "amount_fen": contract["amount_fen"],
                 "paid_on": None, "status": contract.get("status", "active")}
    else:
        window = outcomes.disbursement_window(contract, payment)
        rows = outcomes.contract_money({}, [payment])
        about = {"kind": "disbursement", "id": disbursement_id, "amount_fen": payment["amount_fen"],
                 "paid_on": payment["paid_on"], "status": payment["status"]}
    records = outcomes.service_records(models, contract["station_ids"], window)
    view = outcomes.outcome({**about, "contract_id": contract_id, "region_code": contract["region_code"],
                             "station_ids": contract["station_ids"], "records_masked": for_evaluator},
                            window, rows, records)
    return view, records, for_evaluator
