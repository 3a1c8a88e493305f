"""Closing a contract: the unspent committed money goes back to the budget lines; no payment after."""
from datetime import date

import pytest

from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.funding import closing, contracts
from tests.support import funding_fixtures as fx

CLOSING = {"closed_on": date(2026, 3, 31), "reason": "项目期满，服务转入新合同"}


def funded_and_paid():
    two_lines = fx.funded(fx.signed(), (fx.line("bl_1"), 30_000_000), (fx.line("bl_2"), 20_000_000))
    return fx.pay(two_lines, amount_fen=12_345_678)  # from bl_1, paid 2026-03-20


def test_closing_returns_what_each_line_committed_and_the_contract_did_not_pay():
    contract = funded_and_paid()
    changes, returns = closing.close(contract, CLOSING, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")
    assert returns == [{"budget_line_id": "bl_1", "source_id": "src_1", "amount_fen": 30_000_000 - 12_345_678},
                       {"budget_line_id": "bl_2", "source_id": "src_1", "amount_fen": 20_000_000}]
    assert changes["status"] == "closed" and changes["closure"]["returned_fen"] == 50_000_000 - 12_345_678
    assert changes["committed_fen"] == 12_345_678
    assert [(f["committed_fen"], f["paid_fen"], f["returned_fen"]) for f in changes["funding"]] == [
        (12_345_678, 12_345_678, 30_000_000 - 12_345_678), (0, 0, 20_000_000)]


def test_a_closed_contract_refuses_payments_commitments_amendments_and_a_second_closing():
    contract = funded_and_paid()
    changes, _ = closing.close(contract, CLOSING, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")
    closed = {**contract, **changes}
    with pytest.raises(Conflict, match="closed"):
        contracts.check_payment(closed, fx.payment(voucher_number="V-2"), fx.PAYMENT_DAY)
    with pytest.raises(Conflict, match="closed"):
        contracts.commitment_room(closed, 1)
    with pytest.raises(Conflict, match="closed"):
        contracts.amend(closed, {"reason": "追加", "amount_fen": fx.AMOUNT}, "amd", fx.PAYMENT_NOW, "u", fx.WAGE)
    with pytest.raises(Conflict):
        closing.close(closed, CLOSING, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")


def test_held_payments_must_be_decided_before_closing():
    contract = fx.pay(fx.funded(fx.signed(), (fx.line("bl_1"), 30_000_000)), flags=["staffing"])
    with pytest.raises(RuleViolation, match="held payments"):
        closing.close(contract, CLOSING, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")


@pytest.mark.parametrize("closed_on,ok", [(date(2026, 3, 19), False), (date(2026, 3, 20), True),
                                          (date(2026, 4, 1), True), (date(2026, 4, 2), False)])
def test_the_closing_date_lies_between_the_last_payment_and_today(closed_on, ok):
    contract = funded_and_paid()
    if ok:
        closing.close(contract, {**CLOSING, "closed_on": closed_on}, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")
        return
    with pytest.raises(ValidationFailed) as refused:
        closing.close(contract, {**CLOSING, "closed_on": closed_on}, fx.PAYMENT_DAY, fx.PAYMENT_NOW, "u")
    assert "closed_on" in refused.value.details


def test_a_line_takes_each_contract_s_return_once():
    line = {**fx.line("bl_1"), "committed_fen": 30_000_000}
    changes = closing.line_return(line, "ctr_1", 17_654_322)
    assert changes["committed_fen"] == 12_345_678 and changes["returns"] == {"ctr_1": 17_654_322}
    assert closing.line_return({**line, **changes}, "ctr_1", 17_654_322) is None
    with pytest.raises(Conflict):
        closing.line_return(line, "ctr_2", 30_000_001)
