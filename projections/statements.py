"""Monthly statements: one line per billed transaction, summed per payer, month and client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.billing import Statement, StatementSummary, summarise
from projections.base import Projection, iso, topics
from projections.store import Cursor, ReadStore


class Statements(Projection):
    """Billed lines per payer and month, as the Statement aggregates recorded them."""

    name = "statements"
    topics = topics(Statement, "Opened", "Billed", "Closed")
    tables = ("rm_statements", "rm_statement_lines")
    ddl = (
        """CREATE TABLE IF NOT EXISTS rm_statements (
            statement_id TEXT PRIMARY KEY, payer TEXT NOT NULL, month TEXT NOT NULL,
            closed_at TEXT)""",
        """CREATE TABLE IF NOT EXISTS rm_statement_lines (
            statement_id TEXT NOT NULL, invoice_id TEXT NOT NULL, payer TEXT NOT NULL,
            month TEXT NOT NULL, client TEXT NOT NULL, channel TEXT NOT NULL,
            unit_price TEXT NOT NULL, billed_at TEXT NOT NULL,
            PRIMARY KEY (statement_id, invoice_id))""",
        "CREATE INDEX IF NOT EXISTS rm_statement_lines_month ON rm_statement_lines (month, payer)",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        oid = str(event.originator_id)
        if isinstance(event, Statement.Opened):
            cur.execute(
                "INSERT INTO rm_statements (statement_id, payer, month) VALUES (?, ?, ?) "
                "ON CONFLICT (statement_id) DO NOTHING",
                (oid, event.payer, event.month),
            )
        elif isinstance(event, Statement.Billed):
            cur.execute(
                "INSERT INTO rm_statement_lines (statement_id, invoice_id, payer, month, client, "
                "channel, unit_price, billed_at) "
                "SELECT statement_id, ?, payer, month, ?, ?, ?, ? FROM rm_statements "
                "WHERE statement_id = ? ON CONFLICT (statement_id, invoice_id) DO NOTHING",
                (
                    str(event.invoice_id),
                    event.client,
                    event.channel,
                    str(event.unit_price),
                    iso(event.at),
                    oid,
                ),
            )
        elif isinstance(event, Statement.Closed):
            cur.execute(
                "UPDATE rm_statements SET closed_at = ? WHERE statement_id = ?",
                (iso(event.at), oid),
            )


def statements_for(
    store: ReadStore, month: str, payer: str | None = None
) -> list[StatementSummary]:
    """Every payer's statement for `month` (or one payer's), in payer order."""
    sql = "SELECT payer, client, unit_price FROM rm_statement_lines WHERE month = ?"
    params: list[str] = [month]
    if payer:
        sql += " AND payer = ?"
        params.append(payer)
    lines: dict[str, list[tuple[str, Decimal]]] = {}
    for row in store.query(sql, params):
        lines.setdefault(row["payer"], []).append((row["client"], Decimal(row["unit_price"])))
    return [summarise(p, month, lines[p]) for p in sorted(lines)]
