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

    config: Path | None = Field(
        default=None,
        description="TOML file: offices, funds, rounds, form schemas",
        json_schema_extra={"shown_default": "the bundled example (Kent funds)"},
    )
    data_dir: Path = Field(
        default=Path("var"),
        description="where the database, the mail spool and the outbox live",
        json_schema_extra={"shown_default": "the configuration's data_dir, else ./var"},
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite+aiosqlite:///… or postgresql+asyncpg://…",
        json_schema_extra={"shown_default": "SQLite in the data dir"},
    )
    smtp_host: str = Field(default="127.0.0.1", description="where the SMTP receiver listens")
    smtp_port: int = Field(default=8025, ge=0, le=65535, description="the SMTP receiver's port")
    http_host: str = Field(
        default="127.0.0.1", description="where /healthz, /metrics and /slack/events listen"
    )
    http_port: int = Field(default=3000, ge=0, le=65535, description="the HTTP port")
    http_header_timeout: float = Field(
        default=15.0,
        gt=0,
        description="seconds an HTTP client has to send a request's headers (and an idle "
        "kept-alive connection stays open)",
    )
    http_request_timeout: float = Field(
        default=30.0, gt=0, description="seconds an HTTP request may take, its body included"
    )
    http_max_connections: int = Field(
        default=100, ge=1, description="open HTTP connections (503 above)"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="a token /metrics and the detail of /healthz ask for "
        "(Authorization: Bearer …); unset: they answer only on loopback",
    )
    relay_host: str | None = Field(
        default=None,
        description="SMTP relay for acknowledgements (unset: .eml files in the outbox folder)",
    )
    relay_port: int = Field(default=25, ge=1, le=65535, description="the relay's port")
    now: datetime | None = Field(
        default=None,
        description="an ISO-8601 time the clock starts from, to rehearse a deadline day",
        json_schema_extra={"shown_default": "real time"},
    )
    workers: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        le=64,
        description="parsing worker processes",
        json_schema_extra={"shown_default": "number of CPUs"},
    )
    max_message_bytes: int = Field(
        default=30 * 1024 * 1024, ge=1024, description="largest message accepted (SMTP SIZE)"
    )
    max_recipients: int = Field(default=20, ge=1, le=1000, description="recipients per message")
    smtp_command_timeout: float = Field(
        default=300.0, gt=0, description="seconds a client may take for one command"
    )
    smtp_data_timeout: float = Field(
        default=1800.0, gt=0, description="seconds a whole message transfer may take"
    )
    smtp_min_data_rate: int = Field(
        default=1024, ge=0, description="bytes a second a transfer must keep up (DATA)"
    )
    smtp_rate_window: float = Field(
        default=60.0, gt=0, description="seconds over which that rate is measured"
    )
    smtp_max_connections_per_client: int = Field(
        default=10, ge=1, description="open connections from one address"
    )
    smtp_max_connections: int = Field(default=200, ge=1, description="open connections in all")
    smtp_busy_timeout: float = Field(
        default=10.0, gt=0, description="command timeout with half the connections taken"
    )
    smtp_junk_command_limit: int = Field(
        default=20, ge=1, description="NOOP/RSET/VRFY/HELP/unknown/refused commands a message"
    )
    # Generous: behind a front MTA every mail comes from its one address, and a
    # deadline-day burst relayed through it (bench/burst.py: ~150 mails/s, ~450
    # commands/s over 20 connections) must never wait. They stop floods only.
    smtp_connection_rate: int = Field(
        default=1200,
        ge=0,
        description="new connections a minute per client address (421 above); 0: no limit",
    )
    smtp_command_rate: float = Field(
        default=2000.0,
        ge=0,
        description="commands a second per client address (over it they wait); 0: no limit",
    )
    smtp_refusals_logged: int = Field(
        default=10,
        ge=1,
        description="refusals of one client address logged one line each a minute; "
        "more are summarised in one line a kind",
    )
    tls_cert: Path | None = Field(default=None, description="PEM certificate for STARTTLS")
    tls_key: Path | None = Field(default=None, description="PEM private key for STARTTLS")
    parse_timeout: float = Field(
        default=60.0, gt=0, description="seconds a document may take to read"
    )
    job_lease: float = Field(
        # Renewed every third of it while the node lives, so a live node never
        # loses a job; a killed one's work (and the card chain it held) moves on
        # within this many seconds.
        default=15.0,
        gt=0,
        description="seconds a dead node's jobs stay claimed",
    )
    parse_memory_mb: int = Field(
        default=1024, ge=64, description="memory (MB) a parsing worker may use"
    )
    parse_niceness: int = Field(
        # 0: the workers run at the service's priority, 5 below the SMTP receiver's.
        # Further down they lost the CPU to other work on a shared machine: Linux
        # shares CPU time between sessions and cgroups by their tasks' weights, and
        # a group whose only runnable tasks are workers at nice 15 got half of what
        # the same workers got at the service's nice (drain 229-274 s against 103 s
        # in bench/burst.py beside other sessions' OCR at nice 19), while the
        # receiver's 250 came no sooner (BENCHMARKS.md, issue 18).
        default=0,
        ge=0,
        le=19,
        description="how far the parsing workers lower their CPU priority (nice) below the "
        "service process's; 0: the same",
    )
    health_max_wait: float = Field(
        default=300.0,
        gt=0,
        description="seconds accepted mail may wait for the database before /healthz says degraded",
    )
    health_max_job_wait: float = Field(
        default=600.0,
        gt=0,
        description="seconds the oldest due job of a kind may wait to start before /healthz "
        "says degraded",
    )
    health_job_failures: int = Field(
        default=10,
        ge=1,
        description="failed job runs (on this node) within the failure window that make "
        "/healthz say degraded",
    )
    health_failure_window: float = Field(
        default=600.0, gt=0, description="seconds over which failed job runs are counted"
    )
    health_job_attempts: int = Field(
        default=5,
        ge=1,
        description="failed runs of one job (retried that often) that make /healthz say degraded",
    )
    sender_hourly_limit: int = Field(
        default=200,
        ge=0,
        description="mails from one sender read into bids, enquiries and cards per clock hour; "
        "more are held until an officer releases them (intake held); 0: no limit",
    )
    office: str | None = Field(
        default=None, description="the office whose bids the CLI shows (several configured)"
    )
    log_level: str = Field(default="INFO", description="log level")

    slack_bot_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token"),
        description="the default workspace's bot token (unset: cards printed and stored)",
    )
    slack_signing_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret"),
        description="the Slack app's signing secret",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url"),
        description="Slack Web API base URL (tests point it at a local server)",
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
        "are encrypted with them",
        json_schema_extra={"shown_default": "a key made once in the data dir, secret.key"},
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


def environment_name(name: str) -> str:
    """The environment variable of setting ``name``: ``INTAKE_DATA_DIR``, ``SLACK_BOT_TOKEN``."""
    return name.upper() if name in _SLACK_NAMES else f"INTAKE_{name.upper()}"


def settings_help() -> list[tuple[str, str, str]]:
    """Every setting as (variable, default, meaning), from the model itself, so that
    ``intake serve --help`` never drifts from what is read."""
    rows = []
    for name, info in Settings.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "shown_default" in extra:
            default = str(extra["shown_default"])
        elif info.default is None:
            default = "unset"
        else:
            default = str(info.default)
        rows.append((environment_name(name), default, info.description or ""))
    return rows


def load_settings() -> Settings:
    """Read the settings, turning a bad value into one clear :class:`ConfigError`."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "a setting"
        raise ConfigError(f"{environment_name(name.lower())}: {first['msg']}") from exc
