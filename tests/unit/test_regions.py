"""Region codes, region import, signboard names and the shipped reference data."""

from __future__ import annotations

import csv
import io

import pytest

from services.registry.regions import (
    LEVELS,
    Region,
    RegionFileError,
    RowRefusal,
    allowed_parent_codes,
    ancestors,
    check_station_name,
    is_standard_township_name,
    is_within,
    level_of_code,
    load_average_wages,
    load_demo_townships,
    load_reference_regions,
    parse_region_csv,
    parse_region_rows,
    signboard_name,
)

JIANGSU = Region("320000", "江苏省", "province", None)
ZHENJIANG = Region("321100", "镇江市", "city", "320000")
DANYANG = Region("321181", "丹阳市", "county", "321100")
JINGKOU = Region("321102", "京口区", "county", "321100")
YUNYANG = Region("321181001", "云阳街道", "township", "321181")
KNOWN = {region.code: region for region in (JIANGSU, ZHENJIANG, DANYANG, JINGKOU)}


def row(code: str, name: str, level: str, parent_code: str | None) -> dict[str, str | None]:
    return {"code": code, "name": name, "level": level, "parent_code": parent_code}


def refusal_fields(outcome) -> list[tuple[int, str]]:
    return [(refusal.row_number, refusal.field) for refusal in outcome.refused]


def only_reason(outcome, field: str) -> str:
    reasons = [refusal.reason for refusal in outcome.refused if refusal.field == field]
    assert len(reasons) == 1, outcome.refused
    return reasons[0]


# --- code shapes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("320000", "province"),
        ("321100", "city"),
        ("321181", "county"),
        ("320102", "county"),
        ("321181001", "township"),
        ("321182400", "township"),
    ],
)
def test_level_of_code_follows_the_shape(code: str, level: str) -> None:
    assert level_of_code(code) == level
    assert level in LEVELS


@pytest.mark.parametrize(
    "code",
    [
        "", "32", "3211", "32110", "3211000", "32118100", "3211810011",
        "32118a", " 321181", "000000", "321181000", None, 321181,
    ],
)
def test_level_of_code_refuses_malformed_codes(code) -> None:
    with pytest.raises(ValueError):
        level_of_code(code)


def test_allowed_parents_follow_the_code() -> None:
    assert allowed_parent_codes("320000") == (None,)
    assert allowed_parent_codes("321100") == ("320000",)
    assert allowed_parent_codes("321181") == ("321100",)
    assert allowed_parent_codes("321181001") == ("321181",)
    # 省直辖县级行政区划: the "90" pseudo-city or the province itself.
    assert allowed_parent_codes("429004") == ("429000", "420000")


def test_ancestors_list_province_first() -> None:
    assert ancestors("321102001") == ["320000", "321100", "321102"]
    assert ancestors("321102") == ["320000", "321100"]
    assert ancestors("321100") == ["320000"]
    assert ancestors("320000") == []
    assert ancestors("429004101") == ["420000", "429004"]


def test_ancestors_refuse_a_malformed_code() -> None:
    with pytest.raises(ValueError):
        ancestors("3211")


@pytest.mark.parametrize("scope", ["321102001", "321102", "321100", "320000"])
def test_a_township_is_within_its_county_city_and_province(scope: str) -> None:
    assert is_within("321102001", scope)


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        ("321102001", "321181"),  # another county of the same city
        ("321102001", "321200"),  # another city
        ("321102001", "330000"),  # another province
        ("321102001", "321102002"),  # a sibling township
        ("321102", "321102001"),  # a county is not inside one of its townships
        ("321100", "321102"),
    ],
)
def test_is_within_refuses_regions_outside_the_scope(code: str, scope: str) -> None:
    assert not is_within(code, scope)


def test_is_within_refuses_malformed_codes() -> None:
    with pytest.raises(ValueError):
        is_within("321102001", "3211")
    with pytest.raises(ValueError):
        is_within("32110", "320000")


def test_region_objects_are_consistent_by_construction() -> None:
    with pytest.raises(ValueError):
        Region("321181", "丹阳市", "city", "320000")
    with pytest.raises(ValueError):
        Region("321181001", "云阳街道", "township", "321182")
    with pytest.raises(ValueError):
        Region("320000", "江苏省", "province", "000000")


# --- import rows -----------------------------------------------------------


def test_good_rows_are_accepted_and_may_use_parents_from_the_same_file() -> None:
    outcome = parse_region_rows(
        [
            row("321181001", "云阳街道", "township", "321181"),
            row("321102001", "正东路街道", "township", "321102"),
            row("321300", "宿迁市", "city", "320000"),
            row("321302", "宿城区", "county", "321300"),
            row("321302001", "幸福街道", "township", "321302"),
            row("321302400", "宿迁经济技术开发区", "township", "321302"),
        ],
        KNOWN,
    )
    assert outcome.refused == []
    assert [region.code for region in outcome.accepted] == [
        "321181001", "321102001", "321300", "321302", "321302001", "321302400",
    ]
    assert outcome.accepted[0] == YUNYANG


def test_values_are_trimmed_and_a_province_has_no_parent() -> None:
    outcome = parse_region_rows([row(" 330000 ", " 浙江省 ", "province", "")], {})
    assert outcome.accepted == [Region("330000", "浙江省", "province", None)]


@pytest.mark.parametrize("missing", ["code", "name", "level"])
def test_required_fields_must_be_present_and_non_empty(missing: str) -> None:
    complete = row("321181001", "云阳街道", "township", "321181")
    empty = dict(complete, **{missing: "  "})
    absent = {key: value for key, value in complete.items() if key != missing}
    outcome = parse_region_rows([empty, absent], KNOWN)
    assert outcome.accepted == []
    assert (1, missing) in refusal_fields(outcome)
    assert (2, missing) in refusal_fields(outcome)
    assert all(r.reason == "required" for r in outcome.refused if r.field == missing)


def test_parent_is_required_below_province_level() -> None:
    outcome = parse_region_rows([row("321181001", "云阳街道", "township", "")], KNOWN)
    assert refusal_fields(outcome) == [(1, "parent_code")]
    assert only_reason(outcome, "parent_code") == "required"


def test_a_malformed_code_is_refused() -> None:
    outcome = parse_region_rows([row("32118", "丹阳市", "county", "321100")], KNOWN)
    assert refusal_fields(outcome) == [(1, "code")]
    assert "malformed" in only_reason(outcome, "code")


def test_an_unknown_level_is_refused() -> None:
    outcome = parse_region_rows([row("321181001", "云阳街道", "village", "321181")], KNOWN)
    assert refusal_fields(outcome) == [(1, "level")]
    assert "must be one of" in only_reason(outcome, "level")


def test_the_level_must_match_the_code_shape() -> None:
    outcome = parse_region_rows([row("321181", "丹阳市", "city", "321100")], KNOWN)
    assert refusal_fields(outcome) == [(1, "level")]
    assert "shape of a county code" in only_reason(outcome, "level")


def test_the_parent_must_be_the_correct_one_for_the_code() -> None:
    outcome = parse_region_rows([row("321181001", "云阳街道", "township", "321102")], KNOWN)
    assert refusal_fields(outcome) == [(1, "parent_code")]
    assert "must be 321181" in only_reason(outcome, "parent_code")


def test_a_province_row_must_not_name_a_parent() -> None:
    outcome = parse_region_rows([row("330000", "浙江省", "province", "320000")], KNOWN)
    assert refusal_fields(outcome) == [(1, "parent_code")]


def test_the_parent_must_exist() -> None:
    outcome = parse_region_rows([row("321182001", "三茅街道", "township", "321182")], KNOWN)
    assert refusal_fields(outcome) == [(1, "parent_code")]
    assert "unknown parent region 321182" in only_reason(outcome, "parent_code")


def test_a_parent_later_in_the_file_is_not_yet_known() -> None:
    outcome = parse_region_rows(
        [row("321182001", "三茅街道", "township", "321182"), row("321182", "扬中市", "county", "321100")],
        KNOWN,
    )
    assert refusal_fields(outcome) == [(1, "parent_code")]
    assert [region.code for region in outcome.accepted] == ["321182"]


def test_children_of_a_refused_row_say_so() -> None:
    outcome = parse_region_rows(
        [row("321182", "扬中市", "city", "321100"), row("321182001", "三茅街道", "township", "321182")],
        KNOWN,
    )
    assert refusal_fields(outcome) == [(1, "level"), (2, "parent_code")]
    assert "was refused earlier" in only_reason(outcome, "parent_code")


def test_a_county_may_hang_directly_under_the_province_when_its_city_part_is_90() -> None:
    hubei = Region("420000", "湖北省", "province", None)
    outcome = parse_region_rows([row("429004", "仙桃市", "county", "420000")], {hubei.code: hubei})
    assert outcome.refused == []
    assert outcome.accepted == [Region("429004", "仙桃市", "county", "420000")]


@pytest.mark.parametrize(
    ("name", "reason_part"),
    [
        ("云" * 41, "longer than 40"),
        ("云阳街道<script>", "may contain only"),
        ("云阳\t街道", "may contain only"),
        ("云阳街道!", "may contain only"),
    ],
)
def test_names_must_be_short_cjk_or_ascii_text(name: str, reason_part: str) -> None:
    outcome = parse_region_rows([row("321181001", name, "township", "321181")], KNOWN)
    assert refusal_fields(outcome) == [(1, "name")]
    assert reason_part in only_reason(outcome, "name")


@pytest.mark.parametrize("name", ["云" * 40, "开发区（黄梅街道）", "Suzhou Industrial Park", "小𣵦村", "茅山管委会"])
def test_real_world_names_are_accepted(name: str) -> None:
    outcome = parse_region_rows([row("321183400", name, "township", "321183")], {
        **KNOWN, "321183": Region("321183", "句容市", "county", "321100")
    })
    assert outcome.refused == []


def test_placeholder_county_rows_are_refused() -> None:
    outcome = parse_region_rows([row("321101", "市辖区", "county", "321100")], KNOWN)
    assert refusal_fields(outcome) == [(1, "name")]
    assert "placeholder" in only_reason(outcome, "name")


def test_a_duplicate_code_in_the_file_is_refused() -> None:
    outcome = parse_region_rows(
        [row("321181001", "云阳街道", "township", "321181"), row("321181001", "曲阿街道", "township", "321181")],
        KNOWN,
    )
    assert [region.code for region in outcome.accepted] == ["321181001"]
    assert refusal_fields(outcome) == [(2, "code")]
    assert "row 1" in only_reason(outcome, "code")


def test_a_duplicate_of_a_refused_row_is_still_a_duplicate() -> None:
    outcome = parse_region_rows(
        [row("321181001", "云阳街道!", "township", "321181"), row("321181001", "云阳街道", "township", "321181")],
        KNOWN,
    )
    assert outcome.accepted == []
    assert refusal_fields(outcome) == [(1, "name"), (2, "code")]


def test_a_known_code_with_the_same_values_is_unchanged_not_accepted() -> None:
    outcome = parse_region_rows([row("321181", "丹阳市", "county", "321100")], KNOWN)
    assert outcome.refused == []
    assert outcome.accepted == []
    assert outcome.unchanged == [DANYANG]


def test_a_known_code_with_a_different_name_is_refused() -> None:
    outcome = parse_region_rows([row("321181", "丹阳县", "county", "321100")], KNOWN)
    assert refusal_fields(outcome) == [(1, "name")]
    assert "already registered as '丹阳市'" in only_reason(outcome, "name")


def test_a_known_code_with_a_different_level_is_refused() -> None:
    # The level always follows the code shape, so a changed level cannot slip through.
    outcome = parse_region_rows([row("321181", "丹阳市", "city", "320000")], KNOWN)
    assert refusal_fields(outcome) == [(1, "level"), (1, "parent_code")]
    assert outcome.accepted == outcome.unchanged == []


def test_a_known_code_with_a_different_parent_is_refused() -> None:
    hubei = Region("420000", "湖北省", "province", None)
    xiantao = Region("429004", "仙桃市", "county", "420000")
    known = {region.code: region for region in (hubei, xiantao, Region("429000", "省直辖", "city", "420000"))}
    outcome = parse_region_rows([row("429004", "仙桃市", "county", "429000")], known)
    assert refusal_fields(outcome) == [(1, "parent_code")]
    assert "already registered under 420000" in only_reason(outcome, "parent_code")


def test_a_row_reports_the_first_problem_of_every_field() -> None:
    outcome = parse_region_rows([row("321181001", "", "village", "321102")], KNOWN)
    assert refusal_fields(outcome) == [(1, "name"), (1, "level"), (1, "parent_code")]


def test_blank_rows_are_skipped_but_keep_their_number() -> None:
    outcome = parse_region_rows(
        [row("", "", "", ""), row("321181001", "云阳街道", "township", "321102")], KNOWN
    )
    assert refusal_fields(outcome) == [(2, "parent_code")]


def test_refusals_are_plain_values() -> None:
    refusal = RowRefusal(row_number=3, field="code", reason="required")
    assert refusal == RowRefusal(3, "code", "required")


# --- import files ----------------------------------------------------------


def test_a_csv_file_with_bom_and_odd_header_is_read() -> None:
    text = (
        "\ufeffName,CODE,parent_code,level,note\r\n"
        "云阳街道,321181001,321181,township,x\r\n"
        "\r\n"
        "曲阿街道,321181002,321181,township\r\n"
    )
    outcome = parse_region_csv(text, KNOWN)
    assert outcome.refused == []
    assert [region.code for region in outcome.accepted] == ["321181001", "321181002"]


def test_csv_row_numbers_count_data_records_from_one() -> None:
    text = "code,name,level,parent_code\n321181001,云阳街道,township,321181\n321181002,曲阿街道,township,321102\n"
    outcome = parse_region_csv(text, KNOWN)
    assert refusal_fields(outcome) == [(2, "parent_code")]


def test_a_short_csv_row_reports_the_missing_cells() -> None:
    outcome = parse_region_csv("code,name,level,parent_code\n321181001,云阳街道\n", KNOWN)
    assert refusal_fields(outcome) == [(1, "level"), (1, "parent_code")]


def test_a_csv_header_without_required_columns_refuses_the_whole_file() -> None:
    with pytest.raises(RegionFileError) as raised:
        parse_region_csv("code,名称,level\n321181001,云阳街道,township\n", KNOWN)
    assert raised.value.missing_columns == ("name", "parent_code")
    assert "name, parent_code" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_an_empty_csv_file_is_refused() -> None:
    with pytest.raises(RegionFileError):
        parse_region_csv("\ufeff\n\n", KNOWN)


# --- signboard -------------------------------------------------------------


def test_signboard_name_follows_the_notice() -> None:
    assert signboard_name("丹阳市", "云阳街道") == "丹阳市云阳街道社工站"


def test_the_exact_signboard_name_passes() -> None:
    assert check_station_name("丹阳市云阳街道社工站", DANYANG, YUNYANG) is None
    assert check_station_name(" 丹阳市云阳街道社工站 ", DANYANG, YUNYANG) is None


def test_a_city_prefix_is_allowed_when_the_city_is_given() -> None:
    assert check_station_name("镇江市丹阳市云阳街道社工站", DANYANG, YUNYANG, city=ZHENJIANG) is None
    assert check_station_name("丹阳市云阳街道社工站", DANYANG, YUNYANG, city=ZHENJIANG) is None
    assert check_station_name("镇江市丹阳市云阳街道社工站", DANYANG, YUNYANG) is not None


@pytest.mark.parametrize(
    "name",
    [
        "云阳街道社工站",
        "丹阳市云阳街道社会工作服务站",
        "丹阳云阳街道社工站",
        "丹阳市曲阿街道社工站",
        "南京市丹阳市云阳街道社工站",
    ],
)
def test_other_station_names_get_a_reason(name: str) -> None:
    reason = check_station_name(name, DANYANG, YUNYANG, city=ZHENJIANG)
    assert reason is not None
    assert "'丹阳市云阳街道社工站'" in reason
    assert "'镇江市丹阳市云阳街道社工站'" in reason
    assert "XX县(市、区)XX乡镇(街道)社工站" in reason


def test_a_township_outside_the_county_gets_a_reason() -> None:
    reason = check_station_name("京口区云阳街道社工站", JINGKOU, YUNYANG)
    assert reason is not None and "not in 京口区" in reason
    taizhou = Region("321200", "泰州市", "city", "320000")
    reason = check_station_name("丹阳市云阳街道社工站", DANYANG, YUNYANG, city=taizhou)
    assert reason is not None and "not in the city" in reason


def test_non_standard_township_level_units_keep_their_own_name() -> None:
    development_zone = Region("321183400", "开发区（黄梅街道）", "township", "321183")
    jurong = Region("321183", "句容市", "county", "321100")
    assert not is_standard_township_name(development_zone.name)
    assert check_station_name("句容市开发区（黄梅街道）社工站", jurong, development_zone) is None


@pytest.mark.parametrize(
    ("name", "standard"),
    [("云阳街道", True), ("司徒镇", True), ("某某乡", True), ("茅山管委会", False)],
)
def test_standard_township_suffixes(name: str, standard: bool) -> None:
    assert is_standard_township_name(name) is standard


# --- shipped reference data ------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> list[Region]:
    return load_reference_regions()


@pytest.fixture(scope="module")
def townships() -> list[Region]:
    return load_demo_townships()


def test_reference_has_jiangsu_and_its_13_cities(reference: list[Region]) -> None:
    by_level = {level: [r for r in reference if r.level == level] for level in LEVELS}
    assert by_level["province"] == [JIANGSU]
    assert [city.code for city in by_level["city"]] == [f"32{number:02d}00" for number in range(1, 14)]
    assert all(city.parent_code == "320000" for city in by_level["city"])
    assert by_level["township"] == []


def test_reference_counties_hang_under_known_cities(reference: list[Region]) -> None:
    cities = {region.code for region in reference if region.level == "city"}
    counties = [region for region in reference if region.level == "county"]
    assert len(counties) == 95  # 55 districts, 21 county-level cities, 19 counties (2024)
    assert all(county.parent_code in cities for county in counties)
    assert not any(county.code.endswith("01") and county.name == "市辖区" for county in counties)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("320102", "玄武区"),
        ("320117", "溧水区"),
        ("320118", "高淳区"),
        ("320312", "铜山区"),
        ("320413", "金坛区"),
        ("320509", "吴江区"),
        ("320614", "海门区"),
        ("320685", "海安市"),
        ("320707", "赣榆区"),
        ("320812", "清江浦区"),
        ("320813", "洪泽区"),
        ("320904", "大丰区"),
        ("321204", "姜堰区"),
        ("321311", "宿豫区"),
        ("321181", "丹阳市"),
    ],
)
def test_reference_has_recent_division_changes(reference: list[Region], code: str, name: str) -> None:
    assert {region.code: region.name for region in reference}[code] == name


def test_reference_codes_are_unique(reference: list[Region], townships: list[Region]) -> None:
    codes = [region.code for region in reference + townships]
    assert len(codes) == len(set(codes))


def test_demo_townships_cover_every_zhenjiang_county(reference: list[Region], townships: list[Region]) -> None:
    zhenjiang_counties = {r.code for r in reference if r.level == "county" and r.parent_code == "321100"}
    assert zhenjiang_counties == {"321102", "321111", "321112", "321181", "321182", "321183"}
    assert all(township.level == "township" for township in townships)
    assert all(township.parent_code in zhenjiang_counties for township in townships)
    assert {township.parent_code for township in townships} == zhenjiang_counties
    assert 50 <= len(townships) <= 80
    assert all(is_standard_township_name(township.name) for township in townships)


def test_shipped_files_have_the_import_header() -> None:
    from importlib import resources

    folder = resources.files("services.contracts").joinpath("reference")
    for file_name in ("jiangsu_divisions.csv", "demo_townships.csv"):
        header = next(csv.reader(io.StringIO(folder.joinpath(file_name).read_text(encoding="utf-8"))))
        assert header == ["code", "name", "level", "parent_code"]


def test_average_wages_cover_province_and_cities_2021_to_2024(reference: list[Region]) -> None:
    wages = load_average_wages()
    regions = {r.code for r in reference if r.level in ("province", "city")}
    keys = [(wage["region_code"], wage["year"]) for wage in wages]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(code, year) for code in regions for year in range(2021, 2025)}
    for wage in wages:
        assert isinstance(wage["monthly_wage_fen"], int)
        # A plausible monthly wage in Jiangsu: between 3,000 and 30,000 yuan.
        assert 300_000 <= wage["monthly_wage_fen"] <= 3_000_000
        assert wage["source"]
    sourced = {(w["region_code"], w["year"]): w["monthly_wage_fen"] for w in wages if w["source"] != "estimate"}
    assert sourced[("320000", 2022)] == 1_014_367  # 121,724 yuan a year / 12
