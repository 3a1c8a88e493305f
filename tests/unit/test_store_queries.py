"""`all_of`: one filter meaning every condition, flat where the fields allow (nx-27017 plans `$and` badly)."""
from services.common.storage import all_of


def test_conditions_on_different_fields_sit_side_by_side():
    assert all_of({"station_id": {"$in": ["a", "b"]}}, {"status": "active"}, None, {}) == {
        "station_id": {"$in": ["a", "b"]}, "status": "active"}


def test_operators_on_one_field_merge_into_one_range():
    assert all_of({"_key": {"$gt": "h1"}}, {"_key": {"$lt": "h9"}}) == {"_key": {"$gt": "h1", "$lt": "h9"}}


def test_conflicting_conditions_keep_their_meaning_under_and():
    both_equal = all_of({"status": "active"}, {"status": "closed"})
    assert both_equal == {"$and": [{"status": "active"}, {"status": "closed"}]}
    same_operator = all_of({"n": {"$gt": 1}}, {"n": {"$gt": 5}})
    assert same_operator == {"$and": [{"n": {"$gt": 1}}, {"n": {"$gt": 5}}]}
    equality_and_range = all_of({"n": 3}, {"n": {"$gt": 1}})
    assert equality_and_range == {"$and": [{"n": 3}, {"n": {"$gt": 1}}]}


def test_nothing_to_require_is_the_empty_filter():
    assert all_of() == {}
    assert all_of(None, {}) == {}


def test_a_single_condition_is_returned_as_it_is():
    condition = {"$or": [{"a": 1}, {"b": 2}]}
    assert all_of(condition) == condition
