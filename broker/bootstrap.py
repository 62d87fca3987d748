"""The composition root: the one place that reads settings and wires adapters in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.channels.base import Channel
from adapters.channels.email import EmailChannel
from adapters.channels.ftp import FtpChannel
from adapters.channels.inbox import InboxChannel
from adapters.channels.sftp import SftpChannel
from adapters.documents import DocumentStore
from adapters.secrets import SecretStore
from broker.application import AutoTrans, Validator
from broker.processing import DeliveryWorker, Processor
from broker.settings import Settings
from domain.validation import validate
from projections.apikeys import ApiKeyList
from projections.audit import AuditIndex
from projections.base import ProjectionRunner
from projections.delivery_status import DeliveryStatus
from projections.directory import Directory
from projections.statements import Statements
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore


@dataclass
class Broker:
    """A running AutoTrans: the application, its read models and its workers."""

    settings: Settings
    app: AutoTrans
    store: ReadStore
    projections: ProjectionRunner
    processor: Processor

    def close(self) -> None:
        self.processor.delivery.close()
        self.store.close()
        self.app.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_store(settings: Settings) -> ReadStore:
    config = settings.store
    if config.kind == "sqlite":
        assert config.read_models_path is not None
        return SQLiteReadStore(config.read_models_path)
    return PostgresReadStore(config.pg_conninfo(), config.pg_schema)


def bootstrap(
    settings: Settings,
    *,
    channels: Mapping[str, Channel] | None = None,
    validator: Validator | None = validate,
    clock: Callable[[], datetime] | None = None,
) -> Broker:
    """Build a Broker for these settings; tests pass their own channels and clock. Submissions
    are judged by the full EHF rule set; `validator=None` keeps only the minimum checks routing
    relies on (for measuring what the rules cost)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = read_store(settings)  # first: on PostgreSQL it creates the schema
    secrets = SecretStore(settings.data_dir, settings.secret_key_file)
    app = AutoTrans(
        settings.store.eventsourcing_env(),
        documents=DocumentStore(settings.data_dir / "documents"),
        prices=settings.prices,
        retry_policy=settings.retry_policy,
        validator=validator,
        max_document_bytes=settings.max_document_bytes,
        secrets=secrets,
        clock=clock or (lambda: datetime.now(UTC)),
    )
    projections = ProjectionRunner(
        store,
        app.recorder,
        app.mapper,
        [Directory(), DeliveryStatus(), Statements(), AuditIndex(), ApiKeyList()],
    )
    all_channels: dict[str, Channel] = {
        "autotrans": InboxChannel(app.is_reachable),
        "ftp": FtpChannel(secrets, allow_internal=settings.allow_private_destinations),
        "sftp": SftpChannel(secrets, allow_internal=settings.allow_private_destinations),
    }
    if settings.smtp is not None:
        all_channels["email"] = EmailChannel(settings.smtp)
    all_channels.update(channels or {})
    delivery = DeliveryWorker(app, store, all_channels, settings.attempt_timeout)
    return Broker(settings, app, store, projections, Processor(app, projections, delivery))
