"""Settings, read once by the composition root: data dir, store URL, limits, prices, retries."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from domain.billing import PriceList
from domain.ehf.xml import DEFAULT_MAX_BYTES
from domain.money import DEFAULT_PRICE
from domain.retry import RetryPolicy

DEFAULT_DATA_DIR = "./autotrans-data"


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


@dataclass(frozen=True)
class Settings:
    """Everything configurable; built from CLI options and the environment."""

    data_dir: Path
    store: StoreConfig
    max_document_bytes: int = DEFAULT_MAX_BYTES
    prices: PriceList = field(default_factory=PriceList)
    retry: Mapping[str, RetryPolicy] = field(default_factory=dict)
    attempt_timeout: float = 300.0

    def retry_policy(self, channel: str) -> RetryPolicy:
        return self.retry.get(channel, self.retry.get("*", RetryPolicy()))

    @classmethod
    def load(
        cls,
        data_dir: str | None = None,
        store: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        env = os.environ if environ is None else environ
        directory = Path(data_dir or env.get("AUTOTRANS_DATA_DIR") or DEFAULT_DATA_DIR)
        store_config = parse_store_url(store or env.get("AUTOTRANS_STORE"), directory)
        max_bytes = env.get("AUTOTRANS_MAX_DOCUMENT_BYTES")
        default_price = env.get("AUTOTRANS_PRICE")
        retry = RetryPolicy(
            max_attempts=int(env.get("AUTOTRANS_RETRY_MAX_ATTEMPTS", "6")),
            base_delay=float(env.get("AUTOTRANS_RETRY_BASE_DELAY", "30")),
            max_delay=float(env.get("AUTOTRANS_RETRY_MAX_DELAY", "3600")),
        )
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
            retry={"*": retry},
            attempt_timeout=float(env.get("AUTOTRANS_ATTEMPT_TIMEOUT", "300")),
        )
