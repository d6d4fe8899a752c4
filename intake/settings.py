"""The service's settings: environment variables (and a ``.env`` file).

Only the composition root (the CLI and :mod:`intake.service`) reads these;
every other module takes what it needs as arguments. Each setting has an
embedded default so that ``intake serve`` runs on a fresh machine.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.errors import ConfigError


class Settings(BaseSettings):
    """SPEC's settings table. Field names map to ``INTAKE_<NAME>`` unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="INTAKE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    config: Path | None = Field(default=None, description="TOML file: offices, funds, forms")
    data_dir: Path = Field(default=Path("var"), description="database, spool and outbox")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=0, le=65535)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=3000, ge=0, le=65535)
    relay_host: str | None = None
    relay_port: int = Field(default=25, ge=1, le=65535)
    now: datetime | None = Field(default=None, description="start the clock at this moment")
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)
    max_message_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    max_recipients: int = Field(default=20, ge=1, le=1000)
    smtp_command_timeout: float = Field(default=300.0, gt=0)
    smtp_data_timeout: float = Field(default=1800.0, gt=0)
    smtp_min_data_rate: int = Field(default=1024, ge=0, description="bytes/s during DATA")
    smtp_rate_window: float = Field(default=60.0, gt=0)
    smtp_max_connections_per_client: int = Field(default=10, ge=1)
    smtp_max_connections: int = Field(default=200, ge=1)
    smtp_busy_timeout: float = Field(
        default=10.0, gt=0, description="command timeout with half the connections taken"
    )
    smtp_junk_command_limit: int = Field(
        default=20, ge=1, description="NOOP/RSET/VRFY/HELP/unknown/refused commands a message"
    )
    smtp_connection_rate: int = Field(
        default=0, ge=0, description="new connections a minute per client address; 0: no limit"
    )
    smtp_command_rate: float = Field(
        default=0.0, ge=0, description="commands a second per client address; 0: no limit"
    )
    tls_cert: Path | None = Field(default=None, description="PEM certificate for STARTTLS")
    tls_key: Path | None = Field(default=None, description="PEM private key for STARTTLS")
    parse_timeout: float = Field(default=60.0, gt=0)
    job_lease: float = Field(
        default=60.0, gt=0, description="seconds a dead node's jobs stay claimed"
    )
    parse_memory_mb: int = Field(default=1024, ge=64)
    office: str | None = Field(
        default=None, description="the office whose bids the CLI shows (several configured)"
    )
    log_level: str = "INFO"

    slack_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret"),
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url"),
    )
    slack_app_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token"),
        description="xapp- token: take Slack's requests over Socket Mode",
    )
    slack_client_id: str | None = Field(
        default=None, description="the app's client id: offices' workspaces install it here"
    )
    slack_client_secret: str | None = Field(
        default=None, description="the app's client secret, for the install flow"
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, the first encrypting: stored bot tokens "
        "are encrypted with them (unset: a key made once in the data dir, secret.key)",
    )
    slack_post_interval: float = Field(
        default=1.0, ge=0, le=60, description="seconds between posts into one channel"
    )

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-05-30T16:00:00+01:00")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'intake.sqlite3').as_posix()}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    def secret(self, name: str) -> str | None:
        """A variable the configuration names (an office's bot token), as settings are read.

        ``SLACK_BOT_TOKEN`` is this object's own; any other name is looked up in
        the environment, then in the ``.env`` file, like every setting.
        """
        if name == "SLACK_BOT_TOKEN":
            return self.slack_bot_token
        value = os.environ.get(name)
        if value:
            return value
        env_file = Path(".env")
        if env_file.is_file():
            return dotenv_values(env_file).get(name) or None
        return None


# Slack's own variable names, read without the INTAKE_ prefix.
_SLACK_NAMES = frozenset(
    {"slack_bot_token", "slack_signing_secret", "slack_api_url", "slack_app_token"}
)


def load_settings() -> Settings:
    """Read the settings, turning a bad value into one clear :class:`ConfigError`."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "a setting"
        env = name.upper() if name.lower() in _SLACK_NAMES else f"INTAKE_{name.upper()}"
        raise ConfigError(f"{env}: {first['msg']}") from exc
