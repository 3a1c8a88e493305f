"""A station's evaluation pack for third-party evaluators (评估材料): its compliance rules with their
evidence, each funding evaluation of the station or its contract (indicator scheme, scores, grade), and the
scorecard computed from the read models with the evaluators' scores beside it.

Masked by construction: evidence is summarised to figures and counts (lists of staff become how many),
and no name, ID number or phone of a person is ever read into the document.
"""
from __future__ import annotations

from .document import Column, Document, Section, Table
from .regional import COMPLIANCE_TEXT, RULE_TEXT

EVALUATION_STATUS_TEXT = {"commissioned": "已委托", "in_progress": "评估中", "completed": "已完成"}
PERSONAL_KEYS = ("name", "id_number", "phone", "contact", "owner")


def summarised(evidence: dict | None) -> str:
    """Evidence as 'key: value' pairs; lists become their length, nested records are left out."""
    parts = []
    for key, value in (evidence or {}).items():
        if key in PERSONAL_KEYS and key != "name":
            continue
        if isinstance(value, list):
            parts.append(f"{key}: {len(value)}")
        elif isinstance(value, dict):
            continue
        elif value is not None and key != "name":
            parts.append(f"{key}: {value}")
    return "；".join(parts) or "—"


def evaluation_document(station_id: str, township_name: str, compliance: dict | None, evaluations: list[dict],
                        generated_at: str, scorecard: dict | None = None) -> Document:
    facts = [("站点编号", station_id), ("所在乡镇（街道）", township_name), ("生成时间", generated_at)]
    sections = [_compliance(compliance), *(_evaluation(e, n) for n, e in enumerate(evaluations, 1)),
                *([] if evaluations else [_none()])]
    if scorecard is not None:
        sections.append(_scorecard(scorecard, len(sections) + 1))
    return Document(f"{township_name}社工站评估材料", facts, sections)


def _scorecard(card: dict, number: int) -> Section:
    """The scorecard computed from the platform's records, each indicator beside the evaluators' scores."""
    rows = []
    for row in card["indicators"]:
        reviews = row["evaluator_scores"]
        rows.append([row["code"], row["title"], row["weight"], row["value"], row["score"], row["points"],
                     row["evidence_count"], reviews[-1]["score"] if reviews else None,
                     reviews[-1]["difference"] if reviews else None])
    columns = [Column("指标代码"), Column("指标"), Column("权重", "int"), Column("计算值", "decimal"),
               Column("计算得分", "decimal"), Column("得分点", "decimal"), Column("依据记录数", "int"),
               Column("评估方评分", "decimal"), Column("差异", "decimal")]
    scheme = card["scheme"]
    notes = [f"指标体系：{scheme['name']}（{scheme['effective_from']} 起施行；依据：{scheme['source']}）；"
             f"计算日期：{card['as_of']}；统计期间：{card['period']['from']} 至 {card['period']['to']}",
             f"计算总分：{card['total']}（可计算指标权重 {card['computable_weight']}/100）；"
             "“—”表示数据不足、无法计算，不计为0分。"]
    return Section(f"{_chinese_number(number)}、数据计算评分卡", [Table(columns, rows, "计算评分卡")], notes)


def _compliance(compliance: dict | None) -> Section:
    if not compliance:
        return Section("一、合规情况", notes=["暂无合规评估结果。"])
    rows = [[RULE_TEXT.get(rule, rule), COMPLIANCE_TEXT.get(result["status"], result["status"]),
             result.get("since") or "", summarised(result.get("evidence"))]
            for rule, result in compliance.get("rules", {}).items()]
    policy = compliance.get("policy") or {}
    notes = [f"总体：{COMPLIANCE_TEXT.get(compliance.get('status'), compliance.get('status'))}；评估日期："
             f"{compliance.get('as_of', '')}；依据：{policy.get('source', '—')}"]
    return Section("一、合规情况", [Table([Column("标准"), Column("结果"), Column("起始日期", "date"),
                                          Column("依据数据")], rows, "合规标准与依据")], notes)


def _evaluation(evaluation: dict, number: int) -> Section:
    scheme = evaluation.get("scheme") or {}
    scores = {s["indicator"]: s for s in evaluation.get("scores", [])}
    rows = [[i["code"], i.get("title", ""), i.get("category", ""), i.get("weight"), i.get("max_score"),
             (scores.get(i["code"]) or {}).get("score"), (scores.get(i["code"]) or {}).get("comment") or ""]
            for i in scheme.get("indicators", [])]
    period = evaluation.get("period") or {}
    notes = [f"指标体系：{scheme.get('name', '—')}；评估机构：{(evaluation.get('evaluator') or {}).get('name', '—')}；"
             f"状态：{EVALUATION_STATUS_TEXT.get(evaluation['status'], evaluation['status'])}",
             f"评估期间：{period.get('start', '—')} 至 {period.get('end', '—')}；"
             f"总分：{_or_dash(evaluation.get('total'))}；等级：{evaluation.get('grade') or '—'}"]
    columns = [Column("指标代码"), Column("指标"), Column("类别"), Column("权重", "decimal"), Column("满分", "decimal"),
               Column("得分", "decimal"), Column("评语")]
    return Section(f"{_chinese_number(number + 1)}、绩效评估（{evaluation['id']}）",
                   [Table(columns, rows, f"评估指标与得分 {number}")], notes)


def _none() -> Section:
    return Section("二、绩效评估", notes=["暂无针对本站点或其服务合同的评估。"])


def _or_dash(value) -> str:
    return "—" if value is None else str(value)


def _chinese_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)
