"""The 月报 and 年报 of a county or city, assembled from what the supervision use cases return.

Sections: headline figures (the roll-up of the region, and the same figures per child region), plan
versus actual, compliance by station, alerts of the period, supervision sessions and open follow-ups,
money by source (funding's figures; the read models hold no money). Nothing here computes a figure.
"""
from __future__ import annotations

from dataclasses import dataclass

from .document import Column, Document, Section, Table, Typed, figure

KIND_TITLES = {"monthly": "月报", "yearly": "年报"}
NO_PLAN = "未录入年度计划"
NO_MONEY = "资金数据暂不可用（资金服务未应答）"
COMPLIANCE_TEXT = {"met": "达标", "not_met": "未达标", "at_risk": "有风险", "on_track": "进展正常",
                   "unknown": "未知", "not_applicable": "不适用", None: "未评估"}
STATION_STATUS_TEXT = {"operating": "运营中", "preparing": "筹建中", "suspended": "暂停", "closed": "已关闭"}
RULE_TEXT = {"venue_area": "场地面积", "signboard": "挂牌", "professional_staff": "专业社工配备",
             "training_hours": "培训学时", "salary": "薪酬待遇", "social_insurance": "五险一金"}
ALERT_RULE_TEXT = {"crisis_no_first_contact": "危机个案未在时限内首次接触", "station_not_compliant": "站点不达标",
                   "need_unmet": "需求超期未满足", "archive_not_reviewed": "档案超期未复核",
                   "follow_up_overdue": "督导整改逾期"}
SEVERITY_TEXT = {"critical": "严重", "high": "高", "medium": "中"}
ALERT_STATUS_TEXT = {"open": "未处理", "acknowledged": "已确认", "resolved": "已解决"}
SOURCE_KIND_TEXT = {"fiscal": "财政资金", "purchase_of_service": "政府购买服务", "lottery": "福彩公益金",
                    "charity": "慈善资金"}
FORM_TEXT = {"on_site": "现场", "remote": "远程", "group": "集体", "training": "培训"}

# (label, kind, path into the roll-up's figures)
HEADLINES = [
    ("登记站点数", "int", ("stations", "registered")),
    ("运营站点数", "int", ("stations", "operating")),
    ("乡镇（街道）数", "int", ("stations", "townships")),
    ("已覆盖乡镇（街道）数", "int", ("stations", "townships_covered")),
    ("乡镇（街道）覆盖率", "ratio", ("stations", "township_coverage")),
    ("合规站点数", "int", ("compliance", "met")),
    ("未达标站点数", "int", ("compliance", "not_met")),
    ("有风险站点数", "int", ("compliance", "at_risk")),
    ("在岗社工人数", "int", ("staff", "count")),
    ("持证社工人数", "int", ("staff", "professional")),
    ("持证社工占比", "ratio", ("staff", "professional_ratio")),
    ("人均培训学时", "decimal", ("staff", "training_hours_average")),
    ("应达培训学时（按期折算）", "decimal", ("staff", "training_hours_expected")),
    ("登记服务对象户数", "int", ("households", "registered")),
    ("需求档案有效户数", "int", ("households", "current_archive")),
    ("档案更新率（12个月内）", "ratio", ("households", "archive_freshness")),
    ("从未评估户数", "int", ("households", "never_assessed")),
    ("在办个案数", "int", ("cases", "open")),
    ("本期新开个案数", "int", ("cases", "opened")),
    ("本期结案数", "int", ("cases", "closed")),
    ("结案率", "ratio", ("cases", "closure_rate")),
    ("结案天数中位数", "decimal", ("cases", "median_days_to_close")),
    ("走访次数", "int", ("visits", "count")),
    ("走访户数", "int", ("visits", "households_visited")),
    ("危机个案数", "int", ("crisis", "flagged")),
    ("时限内首次接触数", "int", ("crisis", "contacted_in_time")),
    ("危机响应超时数", "int", ("crisis", "breaches")),
]
CHILD_FIGURES = [h for h in HEADLINES if h[0] in ("运营站点数", "乡镇（街道）覆盖率", "合规站点数", "在岗社工人数",
                                                 "登记服务对象户数", "本期结案数", "走访次数", "危机响应超时数")]


@dataclass(frozen=True)
class RegionalInputs:
    """What the use case gathered for one report; `money` is None when funding could not be asked."""
    kind: str
    region_code: str
    region_name: str
    period_label: str
    generated_at: str
    rollup: dict
    stations: list[dict]  # {station_id, township_name, status, compliance, rules{rule: status}}
    alerts: list[dict]  # alert views first seen in the period
    sessions: list[dict]  # session views dated in the period
    open_follow_ups: list[dict]  # {station_id, description, owner, due_on, status}
    money: dict | None  # funding's fund_supervision reply for the period's year


def value_at(figures: dict, path: tuple[str, ...]):
    value: object = figures
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict) and value.get("suppressed"):
            break
    return figure(value)


def regional_document(inputs: RegionalInputs) -> Document:
    figures = inputs.rollup["region"]
    title = f"{inputs.region_name}{inputs.period_label}社工站监管{KIND_TITLES[inputs.kind]}"
    facts = [("地区", f"{inputs.region_name}（{inputs.region_code}）"), ("统计期间", inputs.period_label),
             ("数据截至", figures["as_of"]), ("生成时间", inputs.generated_at)]
    return Document(title=title, facts=facts, sections=[
        _headlines(figures, inputs.rollup["children"]), _plan(), _compliance(inputs.stations),
        _alerts(inputs.alerts), _sessions(inputs.sessions, inputs.open_follow_ups), _money(inputs.money)])


def _headlines(figures: dict, children: list[dict]) -> Section:
    rows = [[label, Typed(kind, value_at(figures, path))] for label, kind, path in HEADLINES]
    tables = [Table([Column("指标"), Column("数值", "decimal")], rows, "主要指标")]
    if children:
        columns = [Column("下级地区"), Column("区划代码"), *(Column(label, kind) for label, kind, _ in CHILD_FIGURES)]
        rows = [[child.get("name") or child["region_code"], child["region_code"],
                 *(value_at(child, path) for _, _, path in CHILD_FIGURES)] for child in children]
        tables.append(Table(columns, rows, "下级地区主要指标"))
    return Section("一、主要指标", tables)


def _plan() -> Section:
    # County yearly plans (issue 11) are not recorded yet: say so rather than show invented targets.
    return Section("二、计划与实际完成", notes=[NO_PLAN])


def _compliance(stations: list[dict]) -> Section:
    rules = sorted({rule for s in stations for rule in s.get("rules", {})})
    columns = [Column("站点编号"), Column("所在乡镇（街道）"), Column("状态"), Column("合规情况"),
               *(Column(RULE_TEXT.get(rule, rule)) for rule in rules)]
    rows = [[s["station_id"], s.get("township_name") or "",
             STATION_STATUS_TEXT.get(s.get("status") or "", s.get("status")),
             COMPLIANCE_TEXT.get(s.get("compliance"), s.get("compliance")),
             *(COMPLIANCE_TEXT.get(s.get("rules", {}).get(rule), "未知") for rule in rules)] for s in stations]
    notes = [] if stations else ["本地区暂无登记站点。"]
    return Section("三、各站点合规情况", [Table(columns, rows, "站点合规")], notes)


def _alerts(alerts: list[dict]) -> Section:
    columns = [Column("首次发现"), Column("规则"), Column("级别"), Column("状态"), Column("站点编号"),
               Column("区划代码")]
    rows = [[a["first_seen"][:10], ALERT_RULE_TEXT.get(a["rule"], a["rule"]),
             SEVERITY_TEXT.get(a["severity"], a["severity"]),
             ALERT_STATUS_TEXT.get(a["status"], a["status"]), a.get("station_id") or "", a["region_code"]]
            for a in alerts]
    notes = [f"本期预警共 {len(alerts)} 条。"]
    return Section("四、本期预警", [Table(columns, rows, "本期预警")], notes)


def _sessions(sessions: list[dict], follow_ups: list[dict]) -> Section:
    session_rows = [[s["date"], s["station_id"], FORM_TEXT.get(s["form"], s["form"]), s["duration_minutes"],
                     "、".join(s["topics"]), len(s.get("follow_ups", []))] for s in sessions]
    follow_up_rows = [[f["due_on"], f["station_id"], f.get("description") or "", f.get("owner") or "",
                       "已逾期" if f["status"] == "overdue" else "进行中"] for f in follow_ups]
    return Section("五、督导工作", [
        Table([Column("日期", "date"), Column("站点编号"), Column("形式"), Column("时长（分钟）", "int"),
               Column("主题"), Column("整改事项数", "int")], session_rows, "本期督导"),
        Table([Column("期限", "date"), Column("站点编号"), Column("整改事项"), Column("责任人"), Column("状态")],
              follow_up_rows, "未完成整改事项")],
        [f"本期督导 {len(sessions)} 次，未完成整改事项 {len(follow_ups)} 项。"])


MONEY_COLUMNS = [("allocated_fen", "已分配（元）"), ("contracted_fen", "已签约（元）"),
                 ("disbursed_fen", "已拨付（元）"), ("flagged_fen", "存疑（元）"), ("remaining_fen", "结余（元）")]


def _money(money: dict | None) -> Section:
    if money is None:
        return Section("六、资金来源与使用（本年度累计）", notes=[NO_MONEY])
    columns = [Column("资金来源"), Column("类别"), Column("年度", "int"),
               *(Column(label, "money") for _, label in MONEY_COLUMNS)]
    rows = [[r["source_name"], SOURCE_KIND_TEXT.get(r["source_kind"], r["source_kind"]), r["year"],
             *(r.get(key) for key, _ in MONEY_COLUMNS)] for r in money.get("rows", [])]
    total = money.get("total") or {}
    if rows:
        rows.append(["合计", "", None, *(total.get(key) for key, _ in MONEY_COLUMNS)])
    notes = [] if rows else ["本期无资金来源记录。"]
    return Section("六、资金来源与使用（本年度累计）", [Table(columns, rows, "资金来源")], notes)
