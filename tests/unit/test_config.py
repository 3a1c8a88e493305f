"""Configuration: read once from the environment; development secrets refused in production."""
import pytest

from services.common.config import DEVELOPMENT_ENCRYPTION_KEY, ConfigurationError, Settings

STRONG = "x" * 40
KEY = "hKxVqdqs1ZSyY0-S6aWk9EQhrSfS_3HNwCZ-V5QeYQ0="


def test_local_defaults_need_no_configuration():
    settings = Settings.from_env({})
    assert settings.amqp_uri == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.port_for("gateway") == 8000 and settings.port_for("registry") == 8001
    assert not settings.production


def test_production_refuses_development_secrets():
    with pytest.raises(ConfigurationError, match="SHEGONG_TOKEN_SECRET"):
        Settings.from_env({"SHEGONG_ENV": "production", "SHEGONG_ENCRYPTION_KEY": KEY})
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEY"):
        Settings.from_env({"SHEGONG_ENV": "production", "SHEGONG_TOKEN_SECRET": STRONG,
                           "SHEGONG_ENCRYPTION_KEY": f"{KEY},{DEVELOPMENT_ENCRYPTION_KEY}"})
    settings = Settings.from_env({"SHEGONG_ENV": "production", "SHEGONG_TOKEN_SECRET": STRONG,
                                  "SHEGONG_ENCRYPTION_KEY": KEY})
    assert settings.production and settings.encryption_keys == (KEY,)


def test_bad_numbers_are_named():
    with pytest.raises(ConfigurationError, match="SHEGONG_RPC_TIMEOUT_SECONDS"):
        Settings.from_env({"SHEGONG_RPC_TIMEOUT_SECONDS": "ten"})
    with pytest.raises(ConfigurationError, match="SHEGONG_ENV"):
        Settings.from_env({"SHEGONG_ENV": "staging"})


def test_idempotency_records_are_kept_48_hours_unless_configured():
    assert Settings.from_env({}).idempotency_retention_hours == 48
    assert Settings.from_env({"SHEGONG_IDEMPOTENCY_RETENTION_HOURS": "72"}).idempotency_retention_hours == 72
    with pytest.raises(ConfigurationError, match="SHEGONG_IDEMPOTENCY_RETENTION_HOURS"):
        Settings.from_env({"SHEGONG_IDEMPOTENCY_RETENTION_HOURS": "0"})
