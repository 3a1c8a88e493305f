"""The one batch-answer shape shared by services (group_by) and gateway loaders (grouped, in_order)."""
from services.common.grouping import group_by, grouped, in_order


def test_group_by_a_field_keeps_every_requested_key_and_record_order():
    records = [{"id": "v1", "case_id": "c1"}, {"id": "v2", "case_id": "c2"}, {"id": "v3", "case_id": "c1"}]

    groups = group_by(records, "case_id", keys=["c1", "c2", "c3"])

    assert groups == {"c1": [records[0], records[2]], "c2": [records[1]], "c3": []}


def test_group_by_a_function():
    groups = group_by([3, 4, 5], lambda number: number % 2)

    assert groups == {1: [3, 5], 0: [4]}


def test_grouped_answers_one_list_per_key_in_the_order_asked():
    by_key = {"b": [{"n": 2}], "a": [{"n": 1}], "c": None}

    assert grouped(by_key, ["a", "b", "c", "missing", "a"]) == [[{"n": 1}], [{"n": 2}], [], [], [{"n": 1}]]


def test_grouped_lists_are_copies_a_loader_cache_cannot_share():
    by_key = {"a": [1]}
    first, second = grouped(by_key, ["a", "a"])
    first.append(2)

    assert second == [1] and by_key == {"a": [1]}


def test_in_order_answers_none_for_missing_keys():
    assert in_order({"a": {"id": "a"}}, ["b", "a"]) == [None, {"id": "a"}]
