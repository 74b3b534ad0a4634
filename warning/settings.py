"""Deployment settings: one object, read from the environment once per process.

Every variable is checked when it is read, and a wrong one is reported by its name with what is
expected, not as a traceback later. In code (drills, tests) a `Settings` is built from keyword
arguments only, so the environment cannot change a drill.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from warning.clock import live_clock
from warning.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_ACCOUNT_SID = "AC" + "5" * 32
SIMULATOR_AUTH_TOKEN = "simulator-auth-token"
Provider = Literal["simulator", "twilio"]
_URL = re.compile(r"^https?://[^\s/?#]+(?:/[^\s]*)?$")
_PHONE = r"^\+\d{6,15}$"


def _env(field: str, variable: str) -> Any:
    """Settable as `field=` in code and read from `variable` in the environment."""
    return AliasChoices(field, variable)


def mqtt_address(url: str) -> tuple[str, int, str | None, str | None]:
    """`mqtt://[user:password@]host[:port]` -> (host, port, user, password); ValueError saying what to write."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("expected mqtt://[user:password@]host[:port]")
    try:
        port = parts.port or 1883
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    user = unquote(parts.username) if parts.username else None
    return parts.hostname, port, user, unquote(parts.password) if parts.password else None


def _token_pairs(value: SecretStr) -> dict[str, str]:
    pairs = filter(None, value.get_secret_value().split(","))
    return {token.strip(): name.strip() for token, _, name in (pair.partition(":") for pair in pairs)}


class Settings(BaseSettings):
    """Where the engine keeps its state, what it reads, how it pages, and how it is reached."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, case_sensitive=True, hide_input_in_errors=True
    )

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'warning.db'}",
        validation_alias=_env("database_url", "WARNING_DATABASE_URL"),
    )
    # SQLite only. full: each commit is on disk when it returns. normal: a crash of the process
    # loses nothing, a power cut may lose the last commits (duplicate pages after it); drills use it.
    sqlite_synchronous: Literal["full", "normal"] = Field(
        default="full", validation_alias=_env("sqlite_synchronous", "WARNING_SQLITE_SYNCHRONOUS")
    )
    rules: Annotated[tuple[Path, ...], NoDecode] = Field(
        default=(PROJECT_ROOT / "rules",), min_length=1, validation_alias=_env("rules", "WARNING_RULES")
    )
    organisation: Path = Field(
        default=PROJECT_ROOT / "org" / "jinan.yaml", validation_alias=_env("organisation", "WARNING_ORGANISATION")
    )
    # Area outlines (GeoJSON files, or folders of them) the console's map draws; a deployment adds its own.
    geometry: Annotated[tuple[Path, ...], NoDecode] = Field(
        default=(PROJECT_ROOT / "geo",), validation_alias=_env("geometry", "WARNING_GEOMETRY")
    )
    # How SMS and voice pages leave: `twilio` (real phones) or `simulator` (the loopback Twilio
    # simulator: drills, rehearsals). None: not chosen, and a live engine refuses to start.
    provider: Provider | None = Field(default=None, validation_alias=_env("provider", "WARNING_PROVIDER"))
    twilio_account_sid: str = Field(
        default=SIMULATOR_ACCOUNT_SID,
        pattern=r"^AC[0-9a-fA-F]{32}$",
        validation_alias=_env("twilio_account_sid", "TWILIO_ACCOUNT_SID"),
    )
    twilio_auth_token: SecretStr = Field(
        default=SecretStr(SIMULATOR_AUTH_TOKEN), validation_alias=_env("twilio_auth_token", "TWILIO_AUTH_TOKEN")
    )
    twilio_from: str = Field(
        default="+8653188880000", pattern=_PHONE, validation_alias=_env("twilio_from", "TWILIO_FROM_NUMBER")
    )
    # The Twilio API (https://api.twilio.com, the client's default for `twilio`) or another simulator.
    twilio_base_url: str | None = Field(default=None, validation_alias=_env("twilio_base_url", "TWILIO_BASE_URL"))
    # A domestic provider beside Twilio for mainland numbers read in Chinese (`aliyun`: Alibaba Cloud
    # SMS and voice); None: Twilio carries every page. With WARNING_PROVIDER=simulator it is the
    # loopback Alibaba Cloud simulator.
    domestic_provider: Literal["aliyun"] | None = Field(
        default=None, validation_alias=_env("domestic_provider", "WARNING_DOMESTIC_PROVIDER")
    )
    # The SDKs' own variables for the account's AccessKey pair.
    aliyun_access_key_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9-]{8,64}$",
        validation_alias=_env("aliyun_access_key_id", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    )  # fmt: skip
    aliyun_access_key_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("aliyun_access_key_secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    )
    # host:port of another Alibaba Cloud endpoint (a simulator run apart), over plain HTTP.
    aliyun_endpoint: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9.-]+:\d{1,5}$",
        validation_alias=_env("aliyun_endpoint", "WARNING_ALIYUN_ENDPOINT"),
    )
    aliyun_templates: Path = Field(
        default=PROJECT_ROOT / "org" / "aliyun-templates.yaml",
        validation_alias=_env("aliyun_templates", "WARNING_ALIYUN_TEMPLATES"),
    )
    # The secret in the push addresses set in the Alibaba Cloud console (/aliyun/SECRET/sms/report ...):
    # the service does not sign its pushes.
    aliyun_push_secret: SecretStr = Field(
        default=SecretStr("simulator-push-secret"),
        validation_alias=_env("aliyun_push_secret", "WARNING_ALIYUN_PUSH_SECRET"),
    )
    # The URL Twilio uses to reach our webhooks (signatures are checked against it); None: our own
    # loopback address, which only the loopback simulator can call.
    public_base_url: str | None = Field(default=None, validation_alias=_env("public_base_url", "WARNING_PUBLIC_URL"))
    # `token:person-id,...`: who each bearer token of the API acts as.
    api_tokens: SecretStr = Field(default=SecretStr(""), validation_alias=_env("api_tokens", "WARNING_API_TOKENS"))
    # `token:feed-name,...`: the feeds that may post readings (POST /api/readings), each by its name.
    feed_tokens: SecretStr = Field(default=SecretStr(""), validation_alias=_env("feed_tokens", "WARNING_FEED_TOKENS"))
    # Port of the API and webhooks; 0: any free port (printed at start).
    api_port: int = Field(default=0, ge=0, le=65535, validation_alias=_env("api_port", "WARNING_API_PORT"))
    # `system`, or `scaled:EPOCH,ANCHOR,SPEED` to rehearse hours of escalation in minutes (see ScaledClock).
    clock: str = Field(default="system", validation_alias=_env("clock", "WARNING_CLOCK"))
    # A department system that takes pages as signed JSON (policy channel `webhook`); None: no webhook.
    webhook_url: str | None = Field(default=None, validation_alias=_env("webhook_url", "WARNING_WEBHOOK_URL"))
    webhook_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias=_env("webhook_secret", "WARNING_WEBHOOK_SECRET")
    )
    # Kafka (the stream worker only).
    kafka_broker: str = Field(
        default="127.0.0.1:9092",
        pattern=r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$",
        validation_alias=_env("kafka_broker", "KAFKA_BROKER"),
    )
    stream_app_id: str = Field(
        default="warning",
        pattern=r"^[A-Za-z0-9._-]{1,100}$",
        validation_alias=_env("stream_app_id", "WARNING_STREAM_APP_ID"),
    )
    stream_datadir: Path | None = Field(default=None, validation_alias=_env("stream_datadir", "WARNING_STREAM_DATADIR"))
    kafka_rebalance_timeout: float = Field(
        default=20.0, gt=0, le=600, validation_alias=_env("kafka_rebalance_timeout", "WARNING_KAFKA_REBALANCE_TIMEOUT")
    )
    kafka_session_timeout: float = Field(
        default=20.0, gt=0, le=600, validation_alias=_env("kafka_session_timeout", "WARNING_KAFKA_SESSION_TIMEOUT")
    )
    kafka_heartbeat_interval: float = Field(
        default=3.0, gt=0, le=600, validation_alias=_env("kafka_heartbeat_interval", "WARNING_KAFKA_HEARTBEAT_INTERVAL")
    )
    # Released CAP messages pushed to subscribers: webhook URLs (comma-separated; signed with the
    # secret), and an MQTT broker whose topics <prefix>/cap/<area> carry them.
    cap_webhooks: str = Field(default="", validation_alias=_env("cap_webhooks", "WARNING_CAP_WEBHOOKS"))
    cap_webhook_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias=_env("cap_webhook_secret", "WARNING_CAP_WEBHOOK_SECRET")
    )
    # XML-DSig of every published CAP message: the publisher's private key and certificate (PEM files).
    cap_signing_key: Path | None = Field(
        default=None, validation_alias=_env("cap_signing_key", "WARNING_CAP_SIGNING_KEY")
    )
    cap_signing_cert: Path | None = Field(
        default=None, validation_alias=_env("cap_signing_cert", "WARNING_CAP_SIGNING_CERT")
    )
    cap_mqtt_url: str | None = Field(default=None, validation_alias=_env("cap_mqtt_url", "WARNING_CAP_MQTT_URL"))
    cap_mqtt_prefix: str = Field(
        default="warning", pattern=r"^[^#+\x00]{1,200}$",
        validation_alias=_env("cap_mqtt_prefix", "WARNING_CAP_MQTT_PREFIX"),
    )  # fmt: skip
    # Readings from field gateways over MQTT (`warning run`): mqtt://[user:password@]host[:port]; None: none.
    mqtt_url: str | None = Field(default=None, validation_alias=_env("mqtt_url", "WARNING_MQTT_URL"))
    mqtt_topic_prefix: str = Field(
        default="warning/readings",
        pattern=r"^[^#+\x00]{1,200}$",
        validation_alias=_env("mqtt_topic_prefix", "WARNING_MQTT_TOPIC_PREFIX"),
    )
    # Fixed, so that the broker keeps the session (and what arrives meanwhile) across restarts.
    mqtt_client_id: str = Field(
        default="warning-engine",
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        validation_alias=_env("mqtt_client_id", "WARNING_MQTT_CLIENT_ID"),
    )
    # The broker's limit on messages sent before they are acknowledged (mosquitto: max_inflight_messages).
    mqtt_inflight: int = Field(
        default=20, ge=1, le=65535, validation_alias=_env("mqtt_inflight", "WARNING_MQTT_INFLIGHT")
    )
    # SensorThings Datastreams -> stations (sensors/sensorthings.py); None: no SensorThings feed.
    sensorthings_datastreams: Path | None = Field(
        default=None, validation_alias=_env("sensorthings_datastreams", "WARNING_SENSORTHINGS_DATASTREAMS")
    )
    # Partitions of the readings topic, which is keyed by area: the most workers that can share the
    # feed. Every worker and producer must agree with the topic as created (see the capacity plan).
    kafka_partitions: int = Field(
        default=8, ge=1, le=1024, validation_alias=_env("kafka_partitions", "WARNING_KAFKA_PARTITIONS")
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # in code, only what is passed; `from_env` reads the environment

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the environment gives; SettingsError names every wrong variable."""
        try:
            return _FromEnvironment()
        except ValidationError as exc:
            raise SettingsError([_problem(error) for error in exc.errors()]) from None

    @field_validator("rules", "geometry", mode="before")
    @classmethod
    def _path_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part)
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except (ArgumentError, ValueError):
            backend = ""
        if backend not in ("sqlite", "postgresql"):
            raise ValueError("expected sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE")
        return value

    @field_validator("twilio_base_url", "public_base_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value):
            raise ValueError("expected an http:// or https:// URL, e.g. https://warning.example.gov.cn")
        return value.rstrip("/") if value else None

    @field_validator("clock")
    @classmethod
    def _clock(cls, value: str) -> str:
        live_clock(value)  # its ValueError says what to write
        return value

    @field_validator("cap_webhooks")
    @classmethod
    def _cap_webhooks(cls, value: str) -> str:
        for url in filter(None, (part.strip() for part in value.split(","))):
            if not _URL.match(url):
                raise ValueError(f"{url!r}: expected http:// or https:// URLs separated by commas")
        return value

    def cap_webhook_urls(self) -> list[str]:
        return [part.strip().rstrip("/") for part in self.cap_webhooks.split(",") if part.strip()]

    @field_validator("mqtt_url", "cap_mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value is not None:
            mqtt_address(value)  # its ValueError says what to write
        return value

    @field_validator("api_tokens", "feed_tokens")
    @classmethod
    def _tokens(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        who = "person-id" if info.field_name == "api_tokens" else "feed-name"
        for pair in filter(None, value.get_secret_value().split(",")):
            token, sep, name = pair.partition(":")
            if not sep or len(token.strip()) < 8 or not re.match(r"^[a-z0-9][a-z0-9-]*$", name.strip()):
                raise ValueError(f"expected token:{who} pairs separated by commas, each token 8 characters or more")
        return value

    def token_people(self) -> dict[str, str]:
        """Bearer token -> person id."""
        return _token_pairs(self.api_tokens)

    def token_feeds(self) -> dict[str, str]:
        """Bearer token -> feed name."""
        return _token_pairs(self.feed_tokens)

    def require_provider(self) -> Provider:
        """The chosen provider, with what it needs; SettingsError says what to set."""
        if self.provider is None:
            raise SettingsError([
                "WARNING_PROVIDER: not set; choose how pages leave: WARNING_PROVIDER=twilio pages real phones "
                "(with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and WARNING_PUBLIC_URL), "
                "WARNING_PROVIDER=simulator pages only the loopback Twilio simulator (rehearsals)"
            ])  # fmt: skip
        if self.provider == "twilio":
            missing = [name for name, unset in (
                ("TWILIO_ACCOUNT_SID", self.twilio_account_sid == SIMULATOR_ACCOUNT_SID),
                ("TWILIO_AUTH_TOKEN", self.twilio_auth_token.get_secret_value() == SIMULATOR_AUTH_TOKEN),
                ("WARNING_PUBLIC_URL", self.public_base_url is None),
            ) if unset]  # fmt: skip
            if missing:
                raise SettingsError([f"{name}: required with WARNING_PROVIDER=twilio" for name in missing])
            if self.domestic_provider == "aliyun":
                unset = [name for name, value in (
                    ("ALIBABA_CLOUD_ACCESS_KEY_ID", self.aliyun_access_key_id),
                    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", self.aliyun_access_key_secret),
                ) if value is None]  # fmt: skip
                if self.aliyun_push_secret.get_secret_value() == "simulator-push-secret":
                    unset.append("WARNING_ALIYUN_PUSH_SECRET")
                if unset:
                    raise SettingsError([f"{name}: required with WARNING_DOMESTIC_PROVIDER=aliyun" for name in unset])
        return self.provider

    def shown(self) -> list[tuple[str, str]]:
        """(variable, effective value) for `warning config show`, secrets masked."""
        rows = []
        for name in type(self).model_fields:
            variable, value = _variable(name), getattr(self, name)
            if name == "database_url":
                text = database_shown(value)
            elif isinstance(value, SecretStr):
                text = "(set, hidden)" if value.get_secret_value() else "(not set)"
            elif isinstance(value, tuple):
                text = os.pathsep.join(map(str, value))
            else:
                text = "(not set)" if value is None or value == "" else str(value)
            rows.append((variable, text))
        return rows


class _FromEnvironment(Settings):
    """The same settings, read from environment variables (by their names, not the field names)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings,)


def _variable(field: str) -> str:
    """The environment variable a field is read from."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return str(alias.choices[-1]) if isinstance(alias, AliasChoices) else field


def _problem(error: Any) -> str:
    variable = ".".join([_variable(str(error["loc"][0])), *map(str, error["loc"][1:])]) if error["loc"] else "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        message = f"not in the expected form ({error['ctx']['pattern']})"
    return f"{variable}: {message}"


def database_shown(url: str) -> str:
    """A database URL fit to print: its password masked."""
    return make_url(url).render_as_string(hide_password=True)
