"""Contracts: signing, commitments, the three payment limits, earmarks, evidence, flags, amendments."""
import pytest

from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.rpc import load
from services.funding import contracts, domain
from services.funding.schemas import AmendmentSchema, ContractInputSchema
from tests.support import funding_fixtures as fx
from tests.support.funding_fixtures import AMOUNT, WAGE, awarded_tender, funded, line, pay, signed

NOW = fx.PAYMENT_NOW


def test_signing_checks_pay_against_the_local_average_wage():
    contract = signed()
    assert contract["_id"] == "ctr_1" and contract["operator"]["credit_code"] == fx.operator(1)["credit_code"]
    assert contract["staffing_promise"]["reference_wage"]["monthly_wage_fen"] == fx.AVERAGE_WAGE_FEN
    with pytest.raises(RuleViolation, match="below the local average wage"):
        signed(staffing_promise={"professional_social_workers_per_station": 3,
                                 "monthly_pay_fen": fx.AVERAGE_WAGE_FEN - 1})
    assert signed(staffing_promise={"professional_social_workers_per_station": 3,
                                    "monthly_pay_fen": fx.AVERAGE_WAGE_FEN})["amount_fen"] == AMOUNT
    with pytest.raises(RuleViolation, match="no local average wage"):
        contracts.check_pay({"monthly_pay_fen": 1}, None)


def test_signing_needs_an_award_and_consistent_milestones():
    tender = awarded_tender()
    with pytest.raises(Conflict, match="has no award"):
        contracts.new_contract({**tender, "status": "published"}, load(ContractInputSchema, fx.contract_input()),
                               WAGE, "u")
    short = fx.milestones()
    short[-1]["amount_fen"] -= 1
    with pytest.raises(ValidationFailed, match="add up to"):
        signed(milestones=short)
    with pytest.raises(RuleViolation, match="above the awarded price"):
        signed(amount_fen=AMOUNT + 1, milestones=fx.milestones(AMOUNT + 1))
    assert signed(amount_fen=AMOUNT - 100, milestones=fx.milestones(AMOUNT - 100))["amount_fen"] == AMOUNT - 100
    no_metric = fx.milestones()
    no_metric[1]["evidence"] = {}
    with pytest.raises(ValidationFailed) as caught:
        signed(milestones=no_metric)
    assert "milestones.1.evidence.metric" in caught.value.details
    late = fx.milestones()
    late[0]["due_on"] = "2027-07-01"
    with pytest.raises(ValidationFailed):
        signed(milestones=late)
    with pytest.raises(ValidationFailed, match="not part of the tender"):
        signed(station_ids=[fx.STATION, "ST321181100"])
    assert signed()["milestones"][3]["evidence"]["documents_required"] is True  # a report needs documents


def test_budget_line_must_cover_the_contract():
    contract = signed()
    assert domain.covers_contract(line(), contract) is None
    assert "does not run" in domain.covers_contract(line(station_id="ST321181100"), contract)
    assert domain.covers_contract(line(station_id=None), contract) is None
    assert "outside the contract period" in domain.covers_contract(line(year=2025), contract)


def test_commitments_cannot_exceed_the_contract_and_add_up_per_line():
    contract = funded(signed(), (line(), 60_000_000), (line(), 10_000_000))
    assert contract["committed_fen"] == 70_000_000 and len(contract["funding"]) == 1
    assert contract["funding"][0]["committed_fen"] == 70_000_000
    with pytest.raises(RuleViolation, match="still needs"):
        contracts.add_commitment(contract, line(), "cmt_x", AMOUNT - 70_000_000 + 1, NOW)
    again = contracts.add_commitment(contract, line(), "cmt_0", 5, NOW)
    assert again == {}  # the same commitment applied twice changes nothing


@pytest.mark.parametrize("amount,ok", [(27_500_000, True), (27_500_001, False)])
def test_a_disbursement_cannot_exceed_its_milestone(amount, ok):
    contract = funded(signed(), (line(amount=60_000_000), 60_000_000))
    if ok:
        assert pay(contract, amount_fen=amount)["milestones"][3]["paid_fen"] == amount
    else:
        with pytest.raises(RuleViolation, match="exceeds milestone M4") as caught:
            pay(contract, amount_fen=amount)
        assert caught.value.details["amount_fen"]


def test_a_disbursement_cannot_exceed_the_budget_line_commitment():
    contract = funded(signed(), (line(), 1_000_000))
    contract = pay(contract, amount_fen=600_000, voucher_number="V-a")
    with pytest.raises(RuleViolation, match="exceeds budget line bl_1"):
        pay(contract, amount_fen=400_001, voucher_number="V-b")
    assert pay(contract, amount_fen=400_000, voucher_number="V-b")["funding"][0]["paid_fen"] == 1_000_000


def test_a_disbursement_cannot_exceed_the_contract():
    contract = funded(signed(amount_fen=40_000_000, milestones=fx.milestones(40_000_000)), (line(), 40_000_000))
    for index, milestone in enumerate(contract["milestones"]):
        contract = pay(contract, milestone_id=milestone["id"], amount_fen=milestone["amount_fen"],
                       voucher_number=f"V{index}")
    assert contract["paid_fen"] == 40_000_000
    with pytest.raises(RuleViolation, match="exceeds the contract: 0.00 元"):
        pay(contract, milestone_id="M1", amount_fen=1, voucher_number="V9")


def test_payments_are_exact_in_fen():
    contract = funded(signed(), (line(), 30_000_000))
    for index in range(7):
        contract = pay(contract, amount_fen=3_333_333, voucher_number=f"V{index}")
    assert (contract["paid_fen"] == 23_333_331 == contract["funding"][0]["paid_fen"]
            == contract["milestones"][3]["paid_fen"])
    with pytest.raises(ValidationFailed):
        fx.payment(amount_fen=1.5)


def test_other_refusals_name_the_field():
    contract = pay(funded(signed(), (line(), 30_000_000)))
    with pytest.raises(Conflict, match="already recorded"):
        pay(contract)
    with pytest.raises(ValidationFailed) as caught:
        pay(contract, voucher_number="V-2", milestone_id="M9")
    assert "milestone_id" in caught.value.details
    with pytest.raises(ValidationFailed, match="commit funding"):
        pay(contract, voucher_number="V-2", budget_line_id="bl_9")
    with pytest.raises(ValidationFailed, match="before it is made"):
        pay(contract, voucher_number="V-2", paid_on="2026-04-02")
    with pytest.raises(ValidationFailed, match="signed"):
        pay(contract, voucher_number="V-2", paid_on="2026-02-19")
    with pytest.raises(Conflict):
        pay({**contract, "status": "terminated"}, voucher_number="V-2")


def test_earmarked_money_pays_only_milestones_of_its_domain():
    lottery_line = line(station_id=None, kind="lottery", domain="elderly", amount=10_000_000)
    contract = funded(signed(), (lottery_line, 10_000_000))
    with pytest.raises(RuleViolation, match="专款专用.*养老服务; this names no service domain"):
        pay(contract, milestone_id="M4")
    assert pay(contract, milestone_id="M2")["milestones"][1]["paid_fen"] == 1_000_000


def test_evidence_rules():
    contract = signed()
    m2, m3, m4, m1 = (contracts.find_milestone(contract, m) for m in ("M2", "M3", "M4", "M1"))
    no_facts = {"figures": {}, "staffing": [], "evaluation": None, "evaluation_passes": False}
    problems, _ = contracts.evidence_problems(m2, {}, no_facts)
    assert problems == ["supporting documents (reports, registers, receipts)",
                        "services_delivered reached 0 of the 2 promised"]
    problems, recorded = contracts.evidence_problems(m2, {"documents": fx.documents()},
                                                     {**no_facts, "figures": {"services_delivered": 2}})
    assert problems == [] and recorded["platform_figures"]["value"] == 2
    assert contracts.evidence_problems(m4, {}, no_facts)[0] == ["supporting documents (reports, registers, receipts)"]
    assert "third-party evaluation" in contracts.evidence_problems(m3, {}, no_facts)[0][0]
    weak = {**no_facts, "evaluation": {"id": "evl_1", "grade": "不合格", "total": 55.0}}
    assert "needs 合格 or better" in contracts.evidence_problems(m3, {}, weak)[0][0]
    assert contracts.evidence_problems(m3, {}, {**weak, "evaluation_passes": True})[0] == []
    staffing = {**no_facts, "staffing": ["ST321181002: 2 professional social workers in post; the contract promises 3"]}
    assert contracts.evidence_problems(m1, {}, staffing)[0][0].startswith("staffing in place: ST321181002")


def test_a_held_disbursement_counts_against_the_limits_until_resolved():
    contract = funded(signed(), (line(), 30_000_000))
    contract = pay(contract, flags=["ST321181002: 2 professional social workers"], amount_fen=27_500_000)
    assert contract["held_fen"] == 27_500_000 and contract["paid_fen"] == 0 and contract["open_flags"] == 1
    with pytest.raises(RuleViolation, match="exceeds milestone M4"):
        pay(contract, voucher_number="V-2", amount_fen=1)
    changes, resolved = contracts.resolve_flag(contract, "dsb_V-1", "cancel", "未按约定配备社工", NOW, "c")
    after_cancel = {**contract, **changes}
    assert resolved["status"] == "cancelled" and after_cancel["held_fen"] == 0 and after_cancel["open_flags"] == 0
    assert pay(after_cancel, voucher_number="V-2", amount_fen=27_500_000)["paid_fen"] == 27_500_000
    changes, resolved = contracts.resolve_flag(contract, "dsb_V-1", "release", "已补足人员", NOW, "c")
    released = {**contract, **changes}
    assert released["paid_fen"] == 27_500_000 and released["held_fen"] == 0
    assert released["milestones"][3]["paid_fen"] == 27_500_000 and released["funding"][0]["paid_fen"] == 27_500_000
    with pytest.raises(Conflict, match="not held"):
        contracts.resolve_flag(released, "dsb_V-1", "release", "again", NOW, "c")
    with pytest.raises(NotFound):
        contracts.resolve_flag(released, "dsb_nope", "release", "again", NOW, "c")


def amendment(contract, **data):
    return contracts.amend(contract, load(AmendmentSchema, {"expected_version": 1, **data}), "amd_1", NOW, "c", WAGE)


def test_amendments_keep_the_history_and_the_reason():
    contract = signed()
    bigger = fx.milestones(AMOUNT + 10_000_000)
    changes = amendment(contract, reason="增加服务站点工作量", amount_fen=AMOUNT + 10_000_000, milestones=bigger,
                        period_end="2027-02-28")
    history = changes["amendments"][0]
    assert history["reason"] == "增加服务站点工作量" and history["by"] == "c"
    assert history["changes"]["amount_fen"] == {"before": AMOUNT, "after": AMOUNT + 10_000_000}
    assert history["changes"]["period_end"] == {"before": "2026-12-31", "after": "2027-02-28"}
    with pytest.raises(ValidationFailed, match="add up to"):
        amendment(contract, reason="只改金额不改节点", amount_fen=AMOUNT + 1)
    with pytest.raises(ValidationFailed):
        load(AmendmentSchema, {"expected_version": 1, "reason": "", "amount_fen": 1})


def test_amendments_cannot_undo_what_was_paid_or_committed():
    contract = pay(funded(signed(), (line(), 60_000_000)), amount_fen=20_000_000)
    with pytest.raises(RuleViolation, match="already committed or paid"):
        amendment(contract, reason="压缩预算", amount_fen=50_000_000, milestones=fx.milestones(50_000_000))
    smaller = fx.milestones()
    moved = smaller[3]["amount_fen"] - 19_999_999
    smaller[3]["amount_fen"], smaller[0]["amount_fen"] = 19_999_999, smaller[0]["amount_fen"] + moved
    with pytest.raises(RuleViolation, match="already paid or holds"):
        amendment(contract, reason="调整节点金额", milestones=smaller)
    without_m4 = fx.milestones()[:3]
    without_m4[0]["amount_fen"] += fx.milestones()[3]["amount_fen"]
    with pytest.raises(RuleViolation, match="M4 have payments"):
        amendment(contract, reason="删除节点", milestones=without_m4)
    with pytest.raises(RuleViolation, match="have funding"):
        amendment(contract, reason="减少站点", station_ids=[fx.SECOND_STATION])
    with pytest.raises(ValidationFailed, match="before the start or before a recorded payment"):
        amendment(contract, reason="提前结束", period_end="2026-03-01")
    with pytest.raises(RuleViolation, match="below the local average wage"):
        amendment(contract, reason="调整薪酬", staffing_promise={"professional_social_workers_per_station": 3,
                                                              "monthly_pay_fen": 900_000})
