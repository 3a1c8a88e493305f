"""Expected refusals are one INFO/WARNING line without a traceback; real errors stay ERROR with one."""
from __future__ import annotations

import logging

import pytest

from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.common.observability import ExpectedRefusals  # noqa: F401 (installs the filter)
from tests.integration.test_gateway_registry import DANYANG, platform, token_for  # noqa: F401 (fixture)

CONTAINER_LOG = logging.getLogger("nameko.containers")


def raise_and_log(exc: BaseException) -> None:
    """What nameko's container does with an exception from a worker."""
    try:
        raise exc
    except Exception as caught:
        CONTAINER_LOG.exception("error handling worker %s: %s", "<WorkerContext [registry.x]>", caught)


@pytest.mark.parametrize(("exc", "level"), [
    (ValidationFailed.field("code", "not a division code"), logging.INFO),
    (NotFound("unknown station ST1"), logging.INFO),
    (PermissionDenied("station staff may only change their own station"), logging.WARNING),
])
def test_an_expected_refusal_is_one_line_without_traceback(caplog, exc, level):
    caplog.set_level(logging.DEBUG)
    raise_and_log(exc)
    [record] = caplog.records
    assert record.levelno == level and record.exc_info is None and record.exc_text is None
    assert exc.code in record.getMessage() and "Traceback" not in caplog.text


def test_a_real_error_keeps_its_level_and_traceback(caplog):
    caplog.set_level(logging.DEBUG)
    raise_and_log(KeyError("region_code"))
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Traceback" in caplog.text


def test_a_refusal_in_the_running_registry_is_logged_at_info(platform, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    token = token_for(platform, "county", region=DANYANG)
    body = platform.gql('{ regionRollup(code: "321181|") { stations } }', token=token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refusals = [r for r in caplog.records if r.name == "nameko.containers" and "region_rollup" in r.getMessage()]
    assert refusals and all(r.levelno == logging.INFO and r.exc_info is None for r in refusals)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
