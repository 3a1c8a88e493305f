"""Field validators, masking, tokens and event contract versioning (no broker)."""
import uuid
from datetime import timedelta

import pytest
from marshmallow import Schema, ValidationError, fields

from services.common import auth
from services.common.auth import Viewer
from services.common.demo_identities import credit_code as make_credit_code
from services.common.demo_identities import resident_id_number as make_id
from services.common.errors import PermissionDenied, Unauthenticated, ValidationFailed
from services.common.events import EventContract, UnreadableEvent, new_event, read_event
from services.common.protection import FieldCipher, mask_id_number, mask_name, mask_phone
from services.common.rpc import load
from services.common.scope import Scope
from services.common.storage import scope_filter
from services.common.validators import credit_code, resident_id_number
from services.contracts.registry import STATION_REGISTERED
from services.registry.schemas import StaffInputSchema, StationInputSchema


def test_resident_id_number_checksum_and_birth_date():
    from datetime import date
    good = make_id("321112", date(1988, 2, 29), 3)  # 丹徒区, which python-stdnum's table lacks
    resident_id_number(good)
    with pytest.raises(ValidationError, match="check digit"):
        resident_id_number(good[:-1] + ("0" if good[-1] != "0" else "1"))
    with pytest.raises(ValidationError, match="18 characters"):
        resident_id_number(good[:-1])
    impossible = "32111219890229" + "003"
    from stdnum.cn import ric
    with pytest.raises(ValidationError, match="birth date"):
        resident_id_number(impossible + ric.calc_check_digit(impossible + "0"))


def test_credit_code_checksum():
    good = make_credit_code("321181", 7)
    credit_code(good)
    with pytest.raises(ValidationError):
        credit_code(good[:-1] + ("A" if good[-1] != "A" else "B"))


def test_station_input_errors_name_each_field():
    with pytest.raises(ValidationFailed) as caught:
        load(StationInputSchema, {"township_code": "32", "name": "站", "venue": {"office_area_m2": -1},
                                  "legal_form": "operated_by_organisation",
                                  "operator": {"name": "某机构", "credit_code": "123"}})
    details = caught.value.details
    assert set(details) >= {"township_code", "name", "venue.office_area_m2", "operator.credit_code"}
    assert "between 0 and 100000" in details["venue.office_area_m2"][0]


def test_money_must_be_whole_fen():
    base = {"name": "王芳", "id_number": make_id("321181", __import__("datetime").date(1990, 1, 1), 1),
            "phone": "13812345678", "role": "social_worker", "employment_start": "2024-01-01"}
    with pytest.raises(ValidationFailed) as caught:
        load(StaffInputSchema, {**base, "monthly_salary_fen": 1234.5})
    assert "monthly_salary_fen" in caught.value.details
    assert load(StaffInputSchema, {**base, "monthly_salary_fen": 1234})["monthly_salary_fen"] == 1234


def test_masking():
    assert mask_id_number("320102199001011234") == "320102********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("欧阳娜娜") == "欧**娜" and mask_name("王芳") == "王*"


def test_field_cipher_rotation_and_blind_index():
    from cryptography.fernet import Fernet
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = FieldCipher((old,)).encrypt("320102199001011234")
    rotated_cipher = FieldCipher((new, old))
    assert rotated_cipher.decrypt(token) == "320102199001011234"
    rotated = rotated_cipher.rotate(token)
    assert FieldCipher((new,)).decrypt(rotated) == "320102199001011234"
    with pytest.raises(ValueError):
        FieldCipher((new,)).decrypt(token)
    cipher = FieldCipher((old,))
    assert cipher.blind_index("32010219900101123x") == cipher.blind_index("32010219900101123X")


def test_tokens_and_scopes():
    token = auth.mint_token("s" * 40, role="county", user_id="u1", region="321181")
    viewer = auth.verify_token("s" * 40, token)
    assert viewer == Viewer("u1", "county", "321181")
    assert viewer.sees_region("321181001") and not viewer.sees_region("321102001")
    assert scope_filter(Scope.of(viewer)) == {"region_code": {"$gte": "321181", "$lt": "321182"}}
    with pytest.raises(Unauthenticated):
        auth.verify_token("t" * 40, token)
    expired = auth.mint_token("s" * 40, role="admin", user_id="u", ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthenticated, match="expired"):
        auth.verify_token("s" * 40, expired)
    city = Viewer("c", "city", "321100")
    assert city.sees_region("321181001") and not city.sees_region("320100001")
    staff = Viewer("w", "station_staff", None, ("ST1",))
    assert staff.sees_station("ST1", "x") and not staff.sees_station("ST2", "x")
    with pytest.raises(PermissionDenied):
        Viewer("e", "evaluator", "3211").require_write(region_code="321181001")
    with pytest.raises(PermissionDenied):
        staff.require_write(station_id="ST2")


class OldPayload(Schema):
    thing_id = fields.String(required=True)


class NewPayload(OldPayload):
    colour = fields.String(required=True)


def test_newer_additive_version_is_readable_by_an_older_consumer():
    v1 = EventContract("test.thing_painted", 1, "t", OldPayload)
    v2 = EventContract("test.thing_painted", 2, "t", NewPayload)
    sent = new_event(v2, {"thing_id": "a", "colour": "red"}, correlation_id="c").to_dict()
    received = read_event(sent, v1)
    assert received.payload == {"thing_id": "a"} and received.version == 1
    strict_v1 = EventContract("test.thing_painted", 1, "t", OldPayload, additive=False)
    with pytest.raises(UnreadableEvent, match="newer"):
        read_event(sent, strict_v1)


def test_older_version_is_upcast_for_a_newer_consumer():
    v1_payload = {"station_id": "ST321181001", "name": "丹阳市云阳街道社工站", "township_code": "321181001",
                  "status": "operating", "legal_form": "operated_by_organisation", "operator_credit_code": None}
    envelope = {"id": str(uuid.uuid4()), "type": "station.registered", "version": 1,
                "occurred_at": "2026-01-01T00:00:00Z", "producer": "registry", "correlation_id": "c",
                "causation_id": None, "actor": None, "payload": v1_payload}
    event = read_event(envelope, STATION_REGISTERED)
    assert event.version == 2
    assert event.payload["county_code"] == "321181" and event.payload["city_code"] == "321100"


def test_unreadable_events_are_refused_with_a_reason():
    good = new_event(STATION_REGISTERED, {
        "station_id": "ST1", "name": "n", "township_code": "321181001", "status": "planned",
        "legal_form": "registered_institution", "operator_credit_code": None, "county_code": "321181",
        "city_code": "321100"}, correlation_id="c").to_dict()
    with pytest.raises(UnreadableEvent, match="malformed envelope"):
        read_event({**good, "id": "not-a-uuid"}, STATION_REGISTERED)
    with pytest.raises(UnreadableEvent, match="payload invalid"):
        read_event({**good, "payload": {**good["payload"], "station_id": 5}}, STATION_REGISTERED)
    with pytest.raises(UnreadableEvent, match="no upcaster"):
        STATION_REGISTERED.upcast({}, 0)
    with pytest.raises(UnreadableEvent):
        read_event("not a dict", STATION_REGISTERED)
