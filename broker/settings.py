"""Settings, read once by the composition root: data dir, store URL, limits, prices, retries."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.channels.email import SmtpSettings
from domain.billing import PriceList
from domain.ehf.xml import DEFAULT_MAX_BYTES
from domain.money import DEFAULT_PRICE
from domain.retry import RetryPolicy

DEFAULT_DATA_DIR = "./autotrans-data"
SETTINGS_FILE = "settings.toml"
CHANNEL_NAMES = ("autotrans", "email", "ftp", "sftp")


class SettingsError(ValueError):
    """A setting that cannot be used, with the name of the setting."""


@dataclass(frozen=True)
class StoreConfig:
    """Where events and read models live: SQLite file(s) or a PostgreSQL database."""

    kind: str  # "sqlite" | "postgres"
    sqlite_path: Path | None = None
    pg_dbname: str = ""
    pg_host: str = "127.0.0.1"
    pg_port: str = "5432"
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_schema: str = ""

    @property
    def read_models_path(self) -> Path | None:
        """SQLite read models sit beside the event store, in their own file."""
        if self.sqlite_path is None:
            return None
        return self.sqlite_path.with_name("readmodels.sqlite")

    def pg_conninfo(self) -> str:
        parts = [
            f"host={self.pg_host}",
            f"port={self.pg_port}",
            f"dbname={self.pg_dbname}",
            f"user={self.pg_user}",
        ]
        if self.pg_password:
            parts.append(f"password={self.pg_password}")
        return " ".join(parts)

    def eventsourcing_env(self) -> dict[str, str]:
        """The `eventsourcing` library's persistence settings for this store."""
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.pg_dbname,
            "POSTGRES_HOST": self.pg_host,
            "POSTGRES_PORT": self.pg_port,
            "POSTGRES_USER": self.pg_user,
            "POSTGRES_PASSWORD": self.pg_password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "4",
        }
        if self.pg_schema:
            env["POSTGRES_SCHEMA"] = self.pg_schema
        return env

    def describe(self) -> str:
        """The store without its password, for messages and logs."""
        if self.kind == "sqlite":
            return f"sqlite:{self.sqlite_path}"
        schema = f"?schema={self.pg_schema}" if self.pg_schema else ""
        return f"postgresql://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.pg_dbname}{schema}"


def parse_store_url(url: str | None, data_dir: Path) -> StoreConfig:
    """`None` or `sqlite:` -> SQLite in the data dir; `sqlite:///path`; `postgresql://...`."""
    if not url or url in ("sqlite", "sqlite:", "sqlite://"):
        return StoreConfig(kind="sqlite", sqlite_path=data_dir / "events.sqlite")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return StoreConfig(kind="sqlite", sqlite_path=Path(unquote(parts.path)))
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise SettingsError("store URL needs a database name: postgresql://HOST:PORT/DBNAME")
        return StoreConfig(
            kind="postgres",
            pg_dbname=unquote(dbname),
            pg_host=parts.hostname or "127.0.0.1",
            pg_port=str(parts.port or 5432),
            pg_user=unquote(parts.username or "postgres"),
            pg_password=unquote(parts.password or ""),
            pg_schema=query.get("schema", [""])[0],
        )
    raise SettingsError(
        f"store URL scheme {parts.scheme!r} is not supported (use sqlite:///PATH or postgresql://)"
    )


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SettingsError(f"{name}: {text!r} is not an amount") from None
    if value < 0:
        raise SettingsError(f"{name}: {text!r} is negative")
    return value


def _prices(text: str) -> dict[str, Decimal]:
    """`email=6.00,ftp=5.50` -> per-channel prices."""
    prices = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        channel, sep, amount = item.partition("=")
        if not sep:
            raise SettingsError(f"AUTOTRANS_PRICES: {item!r} must be CHANNEL=AMOUNT")
        prices[channel.strip()] = _decimal("AUTOTRANS_PRICES", amount.strip())
    return prices


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP from AUTOTRANS_SMTP_*; None when no host is set (e-mail delivery then fails)."""
    host = env.get("AUTOTRANS_SMTP_HOST")
    if not host:
        return None
    tls = env.get("AUTOTRANS_SMTP_TLS", "starttls")
    if tls not in ("none", "starttls", "implicit"):
        raise SettingsError(f"AUTOTRANS_SMTP_TLS: {tls!r} is not none, starttls or implicit")
    default_port = {"none": "25", "starttls": "587", "implicit": "465"}[tls]
    port = env.get("AUTOTRANS_SMTP_PORT", default_port)
    if not port.isdigit():
        raise SettingsError(f"AUTOTRANS_SMTP_PORT: {port!r} is not a port number")
    return SmtpSettings(
        host=host,
        port=int(port),
        tls=tls,  # type: ignore[arg-type]
        user=env.get("AUTOTRANS_SMTP_USER") or None,
        password=env.get("AUTOTRANS_SMTP_PASSWORD") or None,
        sender=env.get("AUTOTRANS_SMTP_FROM", "autotrans@localhost"),
        timeout=float(env.get("AUTOTRANS_SMTP_TIMEOUT", "30")),
    )


def _retry(env: Mapping[str, str]) -> dict[str, RetryPolicy]:
    """A retry policy for every channel: AUTOTRANS_RETRY_<CHANNEL>_* over AUTOTRANS_RETRY_*."""

    def number(name: str, fallback: str) -> float:
        text = env.get(name, fallback)
        try:
            return float(text)
        except ValueError:
            raise SettingsError(f"{name}: {text!r} is not a number") from None

    def policy(prefix: str, base: RetryPolicy) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=int(number(f"{prefix}_MAX_ATTEMPTS", str(base.max_attempts))),
            base_delay=number(f"{prefix}_BASE_DELAY", str(base.base_delay)),
            max_delay=number(f"{prefix}_MAX_DELAY", str(base.max_delay)),
        )

    default = policy("AUTOTRANS_RETRY", RetryPolicy())
    retry = {"*": default}
    for channel in CHANNEL_NAMES:
        retry[channel] = policy(f"AUTOTRANS_RETRY_{channel.upper()}", default)
    return retry


def _environment(directory: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """`settings.toml` in the data dir (flat AUTOTRANS_* keys), overridden by the environment."""
    merged: dict[str, str] = {}
    path = directory / SETTINGS_FILE
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise SettingsError(f"{path}: not valid TOML: {e}") from None
        merged.update({str(k): str(v) for k, v in data.items() if str(k).startswith("AUTOTRANS_")})
    merged.update(environ)
    return merged


@dataclass(frozen=True)
class Settings:
    """Everything configurable; built from CLI options, the environment and settings.toml."""

    data_dir: Path
    store: StoreConfig
    max_document_bytes: int = DEFAULT_MAX_BYTES
    prices: PriceList = field(default_factory=PriceList)
    retry: Mapping[str, RetryPolicy] = field(default_factory=dict)
    attempt_timeout: float = 300.0
    smtp: SmtpSettings | None = None
    secret_key_file: Path | None = None
    allow_private_destinations: bool = False

    def retry_policy(self, channel: str) -> RetryPolicy:
        return self.retry.get(channel, self.retry.get("*", RetryPolicy()))

    @classmethod
    def load(
        cls,
        data_dir: str | None = None,
        store: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        given = os.environ if environ is None else environ
        directory = Path(data_dir or given.get("AUTOTRANS_DATA_DIR") or DEFAULT_DATA_DIR)
        env = _environment(directory, given)
        store_config = parse_store_url(store or env.get("AUTOTRANS_STORE"), directory)
        max_bytes = env.get("AUTOTRANS_MAX_DOCUMENT_BYTES")
        default_price = env.get("AUTOTRANS_PRICE")
        key_file = env.get("AUTOTRANS_SECRET_KEY_FILE")
        return cls(
            data_dir=directory,
            store=store_config,
            max_document_bytes=int(max_bytes) if max_bytes else DEFAULT_MAX_BYTES,
            prices=PriceList(
                default=_decimal("AUTOTRANS_PRICE", default_price)
                if default_price
                else DEFAULT_PRICE,
                per_channel=_prices(env.get("AUTOTRANS_PRICES", "")),
            ),
            retry=_retry(env),
            attempt_timeout=float(env.get("AUTOTRANS_ATTEMPT_TIMEOUT", "300")),
            smtp=_smtp(env),
            secret_key_file=Path(key_file) if key_file else None,
            allow_private_destinations=env.get("AUTOTRANS_ALLOW_PRIVATE_DESTINATIONS", "")
            in ("1", "true", "yes"),
        )
