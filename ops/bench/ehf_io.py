"""Benchmark the EHF layer: write and read one 5,000-line invoice, and 5,000 small invoices.

Run: .venv/bin/python ops/bench/ehf_io.py   (medians of several rounds, milliseconds)
"""

from __future__ import annotations

import dataclasses
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from domain.ehf import load_ehf, minimum_findings, parse_xml, read_ehf
from domain.ehf.writer import generated_invoices, generated_specs, write_ehf

T = TypeVar("T")


def median_ms(action: Callable[[], T], rounds: int) -> tuple[float, T]:
    """Median wall time of `rounds` runs, in milliseconds, and the last result."""
    times = []
    result: T | None = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    spec = next(generated_specs(1, lines=5000))
    spec = dataclasses.replace(spec, number="BIG-1")
    write, data = median_ms(lambda: write_ehf(spec), 9)
    parse, root = median_ms(lambda: parse_xml(data), 9)
    read, doc = median_ms(lambda: read_ehf(root), 9)
    load, _ = median_ms(lambda: load_ehf(data), 9)
    assert doc.line_count == 5000 and minimum_findings(doc) == []
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"5,000-line invoice ({len(data) / 1e6:.1f} MB): write {write:.1f} ms")
    print(f"  parse {parse:.1f} ms + read_ehf {read:.1f} ms; load_ehf {load:.1f} ms")

    small_write, small = median_ms(lambda: list(generated_invoices(5000)), 3)
    small_load, _ = median_ms(lambda: [load_ehf(d) for d in small], 3)
    print(f"5,000 invoices of 3 lines: write {small_write:.0f} ms, load_ehf {small_load:.0f} ms")


if __name__ == "__main__":
    main()
