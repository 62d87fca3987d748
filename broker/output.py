"""Printing results for people (tables) and programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from domain.billing import StatementSummary


def console() -> Console:
    # Wide enough for ids when piped; rich picks the terminal width on a TTY.
    return Console(width=None if sys.stdout.isatty() else 200, soft_wrap=False)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)


def statement_json(summary: StatementSummary) -> dict[str, Any]:
    return {
        "payer": summary.payer,
        "month": summary.month,
        "rows": [
            {
                "client": r.client,
                "quantity": r.quantity,
                "unit_price": str(r.unit_price),
                "amount": str(r.amount),
            }
            for r in summary.rows
        ],
        "total_excl_vat": str(summary.total_excl_vat),
        "vat": str(summary.vat),
        "total_incl_vat": str(summary.total_incl_vat),
        "currency": "NOK",
    }


def statements_csv(summaries: Sequence[StatementSummary]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["payer", "month", "line", "client", "quantity", "unit_price", "amount"])
    for s in summaries:
        for r in s.rows:
            writer.writerow(
                [s.payer, s.month, "client", r.client, r.quantity, r.unit_price, r.amount]
            )
        writer.writerow([s.payer, s.month, "total_excl_vat", "", "", "", s.total_excl_vat])
        writer.writerow([s.payer, s.month, "vat_25", "", "", "", s.vat])
        writer.writerow([s.payer, s.month, "total_incl_vat", "", "", "", s.total_incl_vat])
    return out.getvalue()


def print_statement(summary: StatementSummary, client_names: dict[str, str]) -> None:
    table = Table(
        title=f"Statement {summary.month} for {summary.payer} (NOK)", title_justify="left"
    )
    table.add_column("client")
    table.add_column("name")
    table.add_column("quantity", justify="right")
    table.add_column("unit price", justify="right")
    table.add_column("amount", justify="right")
    for r in summary.rows:
        table.add_row(
            r.client,
            client_names.get(r.client, ""),
            str(r.quantity),
            str(r.unit_price),
            str(r.amount),
        )
    table.add_section()
    table.add_row("total excl. VAT", "", "", "", str(summary.total_excl_vat))
    table.add_row("VAT 25 %", "", "", "", str(summary.vat))
    table.add_row("total incl. VAT", "", "", "", str(summary.total_incl_vat))
    console().print(table)
