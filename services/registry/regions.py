"""Administrative regions: code rules, CSV import and the station signboard check.

Region codes follow GB/T 2260 for province, city and county (6 digits) and the
national statistical township code (the county's 6 digits + 3) for townships
(乡、镇、街道). The shipped reference data lives in ``reference/``; see its README.

Pure domain code: the only files read are the package's own reference CSVs, in
the ``load_*`` functions. No database, no messaging.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources

from services.contracts import divisions
from services.contracts.registry import REGION_LEVELS

LEVELS = REGION_LEVELS
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
MAX_NAME_LENGTH = 40

# How many leading digits of a code identify the region at each level; a code
# is within a scope when it shares the scope's meaningful prefix.
MEANINGFUL_PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9}

# GB/T 2260 puts county-level units that report directly to the province
# (省直辖县级行政区划) under the pseudo-city digits "90". Jiangsu has none today,
# but operators elsewhere may import them, so their parent may be the province.
PROVINCE_DIRECT_CITY_DIGITS = "90"

# Placeholder rows in older GB/T 2260 lists (e.g. 320101 市辖区) are not real
# divisions and must not become stations' counties.
COUNTY_PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

STANDARD_TOWNSHIP_SUFFIXES = ("乡", "镇", "街道")
SIGNBOARD_SUFFIX = "社工站"
SIGNBOARD_PATTERN = "XX县(市、区)XX乡镇(街道)社工站"

_PROVINCE_CODE = re.compile(r"^\d{2}0000$")
_CITY_CODE = re.compile(r"^\d{4}00$")
_COUNTY_CODE = re.compile(r"^\d{6}$")
_TOWNSHIP_CODE = re.compile(r"^\d{9}$")

# Real names use CJK ideographs (including rare ones outside the BMP, such as
# 𣵦), ASCII letters/digits, and a little punctuation seen in official lists,
# e.g. "开发区（黄梅街道）".
_NAME_CHARACTERS = re.compile(
    r"^["
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    r"A-Za-z0-9 "
    r"()（）·・\-—、"
    r"]+$"
)

_REFERENCE_PACKAGE = __package__ or "services.registry"


class RegionFileError(ValueError):
    """The import file as a whole cannot be read (no rows are judged)."""

    def __init__(self, message: str, missing_columns: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing_columns = missing_columns


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None

    def __post_init__(self) -> None:
        # Keep every Region object internally consistent, whoever builds it.
        shape_level = level_of_code(self.code)
        if self.level != shape_level:
            raise ValueError(f"code {self.code} is a {shape_level} code, not {self.level}")
        if self.parent_code not in allowed_parent_codes(self.code):
            raise ValueError(f"{self.parent_code!r} cannot be the parent of {self.code}")


@dataclass(frozen=True)
class RowRefusal:
    """One problem with one row. row_number counts data records from 1 (header excluded)."""

    row_number: int
    field: str
    reason: str


@dataclass
class RegionImport:
    """Outcome of an import.

    accepted: new regions, to be stored.
    unchanged: rows identical to a region already known; nothing to store.
    refused: one entry per (row, field) problem; a row with any problem is not accepted.
    """

    accepted: list[Region] = field(default_factory=list)
    refused: list[RowRefusal] = field(default_factory=list)
    unchanged: list[Region] = field(default_factory=list)

    @property
    def refused_row_numbers(self) -> list[int]:
        return sorted({refusal.row_number for refusal in self.refused})


def level_of_code(code: str) -> str:
    """The level a code's shape denotes; ValueError if the code has no valid shape."""
    if not isinstance(code, str):
        raise ValueError(f"region code must be a string of digits, got {code!r}")
    if _TOWNSHIP_CODE.match(code):
        if code.endswith("000"):
            raise ValueError(f"township code {code} must not end in 000 (that is its county)")
        return "township"
    if _PROVINCE_CODE.match(code):
        if code.startswith("00"):
            raise ValueError(f"province code {code} must not start with 00")
        return "province"
    if _CITY_CODE.match(code):
        return "city"
    if _COUNTY_CODE.match(code):
        return "county"
    raise ValueError(
        f"malformed region code {code!r}: expected 6 digits (province XX0000, city XXXX00, "
        f"county XXXXXX) or 9 digits (township)"
    )


def allowed_parent_codes(code: str) -> tuple[str | None, ...]:
    """The parent codes a region with this code may have (a province has none)."""
    level = level_of_code(code)
    if level == "province":
        return (None,)
    province_code = code[:2] + "0000"
    if level == "city":
        return (province_code,)
    if level == "county":
        if code[2:4] == PROVINCE_DIRECT_CITY_DIGITS:
            return (code[:4] + "00", province_code)
        return (code[:4] + "00",)
    return (code[:6],)


def ancestors(code: str) -> list[str]:
    """Codes of the regions above this one, province first.

    Derived from the code alone. A county under the "90" pseudo-city is listed
    directly under its province, because that pseudo-city is not a real region.
    """
    level = level_of_code(code)
    if level == "province":
        return []
    province_code = code[:2] + "0000"
    if level == "city":
        return [province_code]
    if level == "county":
        if code[2:4] == PROVINCE_DIRECT_CITY_DIGITS:
            return [province_code]
        return [province_code, code[:4] + "00"]
    return ancestors(code[:6]) + [code[:6]]


def is_within(code: str, scope_code: str) -> bool:
    """Whether a region lies inside (or is) the region named by scope_code."""
    level_of_code(code)
    prefix_length = MEANINGFUL_PREFIX_LENGTH[level_of_code(scope_code)]
    return code[:prefix_length] == scope_code[:prefix_length]


def name_problem(name: str) -> str | None:
    """Why a region name is unacceptable, or None."""
    if not name:
        return "required"
    if len(name) > MAX_NAME_LENGTH:
        return f"longer than {MAX_NAME_LENGTH} characters"
    if not _NAME_CHARACTERS.match(name):
        return "may contain only Chinese characters, ASCII letters and digits, spaces and ()（）·-—、"
    return None


def is_standard_township_name(name: str) -> bool:
    """Whether the name ends like a 乡, 镇 or 街道.

    Township-level units with other names (开发区, 管委会, 农场 …) exist in official
    lists and are still accepted everywhere; this only tells them apart.
    """
    return name.endswith(STANDARD_TOWNSHIP_SUFFIXES)


def _clean(value: object) -> str:
    # csv gives None for cells missing from a short row; treat them as empty.
    return value.strip() if isinstance(value, str) else ""


def _is_blank(row: Mapping[str, object]) -> bool:
    return all(not _clean(value) for value in row.values())


class _RowProblems(dict[str, str]):
    """Problems of one row by field, keeping the first per field: later ones usually follow from it."""

    def add(self, field_name: str, reason: str) -> None:
        self.setdefault(field_name, reason)

    def as_refusals(self, row_number: int) -> list[RowRefusal]:
        in_column_order = sorted(self.items(), key=lambda item: REQUIRED_COLUMNS.index(item[0]))
        return [RowRefusal(row_number, field_name, reason) for field_name, reason in in_column_order]


class _ImportJudge:
    """Judges rows one by one, remembering what earlier rows of the same input did."""

    def __init__(self, known: Mapping[str, Region]) -> None:
        self.known = known
        self.result = RegionImport()
        self.usable_parents: dict[str, Region] = dict(known)
        self.first_row_of_code: dict[str, int] = {}
        self.refused_codes: set[str] = set()

    def judge(self, row_number: int, row: Mapping[str, object]) -> None:
        code = _clean(row.get("code"))
        name = _clean(row.get("name"))
        level = _clean(row.get("level"))
        parent_code = _clean(row.get("parent_code")) or None
        problems = _RowProblems()

        shape_level = self._check_code(code, problems)
        self._check_level(code, level, shape_level, problems)
        self._check_name(name, shape_level, problems)
        if shape_level is not None:
            self._check_parent(code, parent_code, shape_level, problems)
            self.first_row_of_code.setdefault(code, row_number)

        existing = self.known.get(code)
        if existing is not None and not problems:
            self._check_against_known(existing, name, level, parent_code, problems)

        if problems:
            if code and code not in self.usable_parents:
                self.refused_codes.add(code)
            self.result.refused.extend(problems.as_refusals(row_number))
            return

        region = Region(code=code, name=name, level=level, parent_code=parent_code)
        if existing is not None:
            self.result.unchanged.append(region)
        else:
            self.result.accepted.append(region)
            self.usable_parents[code] = region

    def _check_code(self, code: str, problems: _RowProblems) -> str | None:
        if not code:
            problems.add("code", "required")
            return None
        try:
            shape_level = level_of_code(code)
        except ValueError as error:
            problems.add("code", str(error))
            return None
        if code in self.first_row_of_code:
            problems.add("code", f"duplicate: code {code} already appears in row {self.first_row_of_code[code]}")
        return shape_level

    @staticmethod
    def _check_level(code: str, level: str, shape_level: str | None, problems: _RowProblems) -> None:
        if not level:
            problems.add("level", "required")
        elif level not in LEVELS:
            problems.add("level", f"must be one of {', '.join(LEVELS)}")
        elif shape_level is not None and level != shape_level:
            problems.add("level", f"code {code} has the shape of a {shape_level} code, not {level}")

    @staticmethod
    def _check_name(name: str, shape_level: str | None, problems: _RowProblems) -> None:
        problem = name_problem(name)
        if problem:
            problems.add("name", problem)
        elif shape_level == "county" and name in COUNTY_PLACEHOLDER_NAMES:
            problems.add("name", f"'{name}' is a placeholder in the code list, not a county-level division")

    def _check_parent(self, code: str, parent_code: str | None, shape_level: str, problems: _RowProblems) -> None:
        allowed = allowed_parent_codes(code)
        if shape_level == "province":
            if parent_code is not None:
                problems.add("parent_code", "must be empty for a province")
        elif parent_code is None:
            problems.add("parent_code", "required")
        elif parent_code not in allowed:
            expected = " or ".join(str(candidate) for candidate in allowed)
            problems.add("parent_code", f"parent of {code} must be {expected}, not {parent_code}")
        elif parent_code in self.refused_codes:
            problems.add("parent_code", f"parent region {parent_code} was refused earlier in this file")
        elif parent_code not in self.usable_parents:
            problems.add(
                "parent_code",
                f"unknown parent region {parent_code}; import it first or put it earlier in this file",
            )

    @staticmethod
    def _check_against_known(
        existing: Region, name: str, level: str, parent_code: str | None, problems: _RowProblems
    ) -> None:
        # Renaming or moving a registered region would silently change stations
        # and reports that point at it, so an import may only add regions.
        if existing.name != name:
            problems.add("name", f"code {existing.code} is already registered as '{existing.name}'")
        if existing.level != level:
            problems.add("level", f"code {existing.code} is already registered as a {existing.level}")
        if existing.parent_code != parent_code:
            problems.add("parent_code", f"code {existing.code} is already registered under {existing.parent_code}")


def _judge_rows(
    numbered_rows: Iterable[tuple[int, Mapping[str, object]]],
    known: Mapping[str, Region],
) -> RegionImport:
    judge = _ImportJudge(known)
    for row_number, row in numbered_rows:
        if not _is_blank(row):
            judge.judge(row_number, row)
    return judge.result


def parse_region_rows(rows: Iterable[Mapping[str, object]], known: Mapping[str, Region]) -> RegionImport:
    """Judge import rows (dicts with code, name, level, parent_code) against the known regions.

    Rows are numbered from 1 in the order given. Blank rows are skipped but keep
    their number. A parent may be a known region or a row accepted earlier in
    the same input. A row equal to a known region goes to ``unchanged``; one
    that contradicts it is refused.
    """
    return _judge_rows(enumerate(rows, start=1), known)


def _read_header(text: str) -> tuple[list[str], Iterator[list[str]]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    for header in reader:
        if any(cell.strip() for cell in header):
            return [cell.strip().lower() for cell in header], reader
    raise RegionFileError(f"the file is empty; expected a header row: {','.join(REQUIRED_COLUMNS)}")


def parse_region_csv(text: str, known: Mapping[str, Region]) -> RegionImport:
    """Judge a region import file: UTF-8 CSV text, optional BOM, header row required.

    Header names are matched case-insensitively and may be in any order; extra
    columns are ignored. Raises RegionFileError naming the missing columns.
    Row numbers count the data records after the header, from 1.
    """
    header, records = _read_header(text)
    missing = tuple(column for column in REQUIRED_COLUMNS if column not in header)
    if missing:
        raise RegionFileError(
            f"the header lacks required column(s): {', '.join(missing)} "
            f"(expected {','.join(REQUIRED_COLUMNS)})",
            missing_columns=missing,
        )
    positions = {column: header.index(column) for column in REQUIRED_COLUMNS}

    def numbered_rows() -> Iterator[tuple[int, dict[str, str | None]]]:
        for row_number, cells in enumerate(records, start=1):
            yield row_number, {
                column: cells[position] if position < len(cells) else None
                for column, position in positions.items()
            }

    return _judge_rows(numbered_rows(), known)


def _reference_text(file_name: str) -> str:
    return resources.files(_REFERENCE_PACKAGE).joinpath("reference", file_name).read_text(encoding="utf-8")


def _load_shipped_regions(file_name: str, known: Mapping[str, Region]) -> list[Region]:
    outcome = parse_region_csv(divisions.reference_text(file_name), known)
    if outcome.refused:
        # A shipped file that does not pass our own rules is a packaging bug.
        details = "; ".join(f"row {r.row_number} {r.field}: {r.reason}" for r in outcome.refused[:5])
        raise RegionFileError(f"shipped reference file {file_name} is invalid: {details}")
    return outcome.accepted


@functools.cache
def _reference_regions() -> tuple[Region, ...]:
    return tuple(_load_shipped_regions("jiangsu_divisions.csv", {}))


@functools.cache
def _demo_townships() -> tuple[Region, ...]:
    known = {region.code: region for region in _reference_regions()}
    return tuple(_load_shipped_regions("demo_townships.csv", known))


def load_reference_regions() -> list[Region]:
    """Jiangsu province, its 13 cities and their county-level divisions."""
    return list(_reference_regions())


def load_demo_townships() -> list[Region]:
    """Townships and streets of the demo city 镇江市 (321100)."""
    return list(_demo_townships())


def load_average_wages() -> list[dict[str, object]]:
    """Local average monthly wage per region and year, in fen (see reference/README.md)."""
    wages: list[dict[str, object]] = []
    for row in csv.DictReader(io.StringIO(_reference_text("average_wages.csv"))):
        wages.append(
            {
                "region_code": row["region_code"],
                "year": int(row["year"]),
                "monthly_wage_fen": int(row["monthly_wage_fen"]),
                "source": row["source"],
            }
        )
    return wages


def signboard_name(county_name: str, township_name: str) -> str:
    """The station name the notice prescribes: XX县(市、区)XX乡镇(街道)社工站."""
    return f"{county_name}{township_name}{SIGNBOARD_SUFFIX}"


def check_station_name(
    name: str,
    county: Region,
    township: Region,
    city: Region | None = None,
) -> str | None:
    """None if the station name follows the signboard pattern for this county and township.

    The name may also carry the city in front ("镇江市丹阳市云阳街道社工站") when
    the city is given. Township-level units not named 乡/镇/街道 are accepted
    as they are named.
    """
    if county.level != "county":
        return f"{county.code} is a {county.level}, not a county-level division"
    if township.level != "township":
        return f"{township.code} is a {township.level}, not a township"
    if township.parent_code != county.code:
        return f"township {township.name} ({township.code}) is not in {county.name} ({county.code})"
    if city is not None and (city.level != "city" or county.parent_code != city.code):
        return f"{county.name} ({county.code}) is not in the city {city.name} ({city.code})"

    expected = signboard_name(county.name, township.name)
    accepted_names = [expected]
    if city is not None:
        accepted_names.append(city.name + expected)
    if name.strip() in accepted_names:
        return None
    alternatives = " or ".join(f"'{candidate}'" for candidate in accepted_names)
    return f"must be {alternatives} ({SIGNBOARD_PATTERN})"
