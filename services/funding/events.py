"""Event contracts the funding service publishes. Producers and consumers both import these."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.common.events import contract

PRODUCER = "funding"


class ContractAwardedV1(Schema):
    contract_id = fields.String(required=True)
    tender_id = fields.String(required=True)
    operator_name = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    station_ids = fields.List(fields.String(), required=True)
    region_code = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    amount_fen = fields.Integer(required=True)
    promised_professional_staff = fields.Integer(required=True)


CONTRACT_AWARDED = contract("contract.awarded", 1, PRODUCER, ContractAwardedV1,
                            "a purchase-of-service contract was awarded to an operator organisation")
