"""Pure rules of roster imports (issue 13): the lists other agencies keep — 低保, 特困, 低保边缘 families from
civil affairs, the Disabled Persons' Federation's list (category and grade), children in difficulty, left-behind
children, elderly living alone.

- A source's column mapping names, for each field casework reads, the header of the column that holds it
  (`DEFAULT_MAPPINGS` are the headers the agencies' own exports use; a county saves its own per source).
- A row becomes a `RosterRow` or a `RowProblem` naming the field and the reason.
- A person's place on a roster is kept on the member: `rosters[source] = {status: listed|left, since,
  left_on, import_id}`, with the source's person tag while listed; leaving removes the tag (and, for the
  Federation's list, the disability details that came with it) and keeps the dates.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from marshmallow import ValidationError

from services.common import validators
from services.contracts import vocabulary as catalogue

from .people import age_on

LISTED, LEFT = "listed", "left"
REQUIRED_FIELDS = ("id_number", "name")
DISABILITY_FIELDS = ("disability_category", "disability_grade")

_COMMON = {"id_number": "身份证号", "name": "姓名", "community_code": "村(社区)代码", "community_name": "村(社区)",
           "address": "家庭住址", "phone": "联系电话"}
DEFAULT_MAPPINGS: dict[str, dict[str, str]] = {
    "dibao": {**_COMMON, "listed_since": "纳入低保日期"},
    "tekun": {**_COMMON, "listed_since": "认定日期"},
    "dibao_edge": {**_COMMON, "listed_since": "认定日期"},
    "disability": {**_COMMON, "listed_since": "发证日期", "disability_category": "残疾类别",
                   "disability_grade": "残疾等级"},
    "children_in_difficulty": {**_COMMON, "listed_since": "认定日期"},
    "left_behind_children": {**_COMMON, "listed_since": "认定日期"},
    "elderly_alone": {**_COMMON, "listed_since": "登记日期"},
}
assert set(DEFAULT_MAPPINGS) == set(catalogue.ROSTER_SOURCES)

_GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4,
           "1级": 1, "2级": 2, "3级": 3, "4级": 4}
_CATEGORIES = {**{label: code for code, label in catalogue.DISABILITY_CATEGORIES.items()},
               **{label.removesuffix("残疾"): code for code, label in catalogue.DISABILITY_CATEGORIES.items()},
               **{code: code for code in catalogue.DISABILITY_CATEGORIES}}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_NAME_NOISE = re.compile(r"[\s·•．.]")


@dataclass(frozen=True)
class RosterRow:
    id_number: str
    name: str
    community_code: str | None = None
    community_name: str | None = None
    address: str | None = None
    phone: str | None = None
    listed_since: str | None = None  # ISO date
    disability: dict | None = None  # {category, grade}

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> RosterRow:
        return cls(**data)


class RowProblem(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def source_tag(source: str) -> str:
    return catalogue.ROSTER_SOURCE_TAGS[source]


def required_fields(source: str) -> tuple[str, ...]:
    return (*REQUIRED_FIELDS, *DISABILITY_FIELDS) if source == "disability" else REQUIRED_FIELDS


def mapping_problems(source: str, mapping: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with a saved mapping (field → header): unknown fields, empty headers, missing required ones."""
    problems: dict[str, list[str]] = {}
    for field_name, header in mapping.items():
        if field_name not in catalogue.ROSTER_FIELDS:
            problems[field_name] = [f"not a roster field (one of {', '.join(catalogue.ROSTER_FIELDS)})"]
        elif not isinstance(header, str) or not header.strip() or len(header) > 60:
            problems[field_name] = ["a column header of 1 to 60 characters"]
    for field_name in required_fields(source):
        if field_name not in mapping:
            problems.setdefault(field_name, []).append(f"required for the {source} roster")
    headers = [h.strip() for h in mapping.values() if isinstance(h, str)]
    if len(set(headers)) != len(headers):
        problems.setdefault("_schema", []).append("two fields name the same column")
    return problems


def _header_key(text: str) -> str:
    return text.strip().replace("（", "(").replace("）", ")").replace(" ", "").lower()


def column_positions(source: str, mapping: dict[str, str], headers: list[str]) -> dict[str, int]:
    """Field → column index in this file; raises RowProblem on `file` when a required column is missing."""
    index = {_header_key(h): i for i, h in enumerate(headers) if h}
    positions = {f: index[_header_key(h)] for f, h in mapping.items() if _header_key(h) in index}
    missing = [mapping[f] for f in required_fields(source) if f not in positions]
    if missing:
        raise RowProblem("file", f"the file has no column {', '.join(missing)} (its headers: "
                                 f"{', '.join(h for h in headers if h)[:300]}); fix the file or the saved mapping")
    return positions


def mapped(positions: dict[str, int], cells: list[str]) -> dict[str, str]:
    """The cells of the mapped columns, by field (the other columns are not kept)."""
    return {f: cells[i].strip() for f, i in positions.items() if i < len(cells) and cells[i].strip()}


def normal_id_number(text: str) -> str:
    """Full-width digits are the same number (as at registration: validators.IdNumber)."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def read_row(source: str, values: dict[str, str], today: date) -> RosterRow:
    """One row (its mapped cells by field) as casework reads it; RowProblem names the first unusable field."""
    def cell(field_name: str) -> str:
        return values.get(field_name, "").strip()

    id_number = normal_id_number(cell("id_number"))
    if not id_number:
        raise RowProblem("id_number", "no ID number (身份证号)")
    try:
        validators.resident_id_number(id_number)
    except ValidationError as exc:
        raise RowProblem("id_number", str(exc.messages[0])) from None
    name = cell("name")
    if not 1 <= len(name) <= 50 or any(ch.isdigit() for ch in name):
        raise RowProblem("name", "a name of 1 to 50 characters, without digits")
    community = cell("community_code") or None
    if community and not re.fullmatch(r"\d{12}", community):
        raise RowProblem("community_code", "a 12-digit village or residents' committee code")
    phone = cell("phone") or None
    if phone:
        try:
            validators.phone(phone)
        except ValidationError as exc:
            raise RowProblem("phone", str(exc.messages[0])) from None
    since = _date(cell("listed_since"), today) if cell("listed_since") else None
    birth = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    _check_age(source, birth, today)
    disability = None
    if source == "disability":
        category = _CATEGORIES.get(cell("disability_category"))
        if category is None:
            raise RowProblem("disability_category", "one of " + "、".join(catalogue.DISABILITY_CATEGORIES.values()))
        grade = _GRADES.get(cell("disability_grade").replace(" ", ""))
        if grade is None:
            raise RowProblem("disability_grade", "一级 (most severe) to 四级, or 1 to 4")
        disability = {"category": category, "grade": grade}
    return RosterRow(id_number=id_number, name=name, community_code=community,
                     community_name=cell("community_name")[:60] or None, address=cell("address")[:200] or None,
                     phone=phone, listed_since=since, disability=disability)


def _date(text: str, today: date) -> str:
    match = _DATE.match(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    try:
        day = date(*(int(g) for g in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        raise RowProblem("listed_since", f"not a date: {text[:20]!r} (use 2024-03-01)")
    if day > today:
        raise RowProblem("listed_since", "cannot be in the future")
    return day.isoformat()


def _check_age(source: str, birth: str, today: date) -> None:
    tag = source_tag(source)
    age = age_on(birth, today)
    if tag in catalogue.ELDERLY_TAGS and age < catalogue.ELDERLY_AGE:
        raise RowProblem("id_number", f"the {source} roster is for people aged {catalogue.ELDERLY_AGE} or more "
                                      f"(the ID number says {age})")
    if tag in catalogue.CHILD_TAGS and age >= catalogue.ADULT_AGE:
        raise RowProblem("id_number", f"the {source} roster is for children under {catalogue.ADULT_AGE} "
                                      f"(the ID number says {age})")


def same_name(a: str, b: str) -> bool:
    return _NAME_NOISE.sub("", a) == _NAME_NOISE.sub("", b)


def listing(member: dict, source: str, row: RosterRow, current_details: dict | None, today: date,
            import_id: str) -> tuple[dict, str] | None:
    """The member as listed on this roster and what changed (added, relisted, details_changed), or None
    when the record already says exactly this (a re-run of the same file changes nothing)."""
    tag = source_tag(source)
    current: dict = (member.get("rosters") or {}).get(source) or {}
    listed_now = current.get("status") == LISTED
    since = row.listed_since or (current["since"] if listed_now else today.isoformat())
    details_differ = row.disability is not None and row.disability != _comparable(current_details)
    if listed_now and tag in member.get("tags", []) and current["since"] == since and not details_differ:
        return None
    change = "details_changed" if listed_now else ("relisted" if current else "added")
    entry = {"status": LISTED, "since": since, "left_on": None, "import_id": import_id}
    tags = member.get("tags", []) if tag in member.get("tags", []) else [*member.get("tags", []), tag]
    return {**member, "tags": tags, "rosters": {**(member.get("rosters") or {}), source: entry}}, change


def _comparable(details: dict | None) -> dict | None:
    return {"category": details.get("category"), "grade": details.get("grade")} if details else None


def is_listed(member: dict, source: str) -> bool:
    entry = (member.get("rosters") or {}).get(source)
    return entry is not None and entry.get("status") == LISTED


def left(member: dict, source: str, today: date, import_id: str) -> dict:
    """The member marked as having left this roster on `today`: the tag goes, the dates stay."""
    entry = {**member["rosters"][source], "status": LEFT, "left_on": today.isoformat(), "import_id": import_id}
    changed = {**member, "tags": [t for t in member.get("tags", []) if t != source_tag(source)],
               "rosters": {**member["rosters"], source: entry}}
    if source == "disability":
        changed["disability_encrypted"] = None
    return changed
