"""Benchmark native EHF validation against the lxml parse of the same documents.

For the valid documents of ../shared/ehf/valid and for generated invoices of 10, 100, 1,000 and
5,000 lines: per-invoice validation time (median, p90) beside the parse time measured in the same
run, and the ratio validation/parse.

With --floor, last: where the time of a 1,000-line invoice goes, by taking the rule set apart (the
asserts made trivial, then the context predicates dropped), beside its parse.

Run: .venv/bin/python ops/bench/validate.py [--rounds N] [--floor]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lxml import etree

from domain.ehf.writer import generated_invoices
from domain.validation import RULE_RELEASE, rule_set, validate

EHF_DIR = Path(__file__).resolve().parents[3] / "shared" / "ehf"
SIZES = (10, 100, 1000, 5000)


def timings_ms(action: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def measure(documents: list[bytes], rounds: int) -> tuple[list[float], list[float], int]:
    """Per-document parse and validation times (each the median of `rounds`), and fatal count."""
    parse_times, validate_times, fatal = [], [], 0
    for data in documents:
        parse_times.append(statistics.median(timings_ms(partial(etree.fromstring, data), rounds)))
        root = etree.fromstring(data)
        validate_times.append(statistics.median(timings_ms(partial(validate, root), rounds)))
        fatal += sum(1 for f in validate(root) if f.flag == "fatal")
    return parse_times, validate_times, fatal


def report(label: str, parse: list[float], check: list[float], fatal: int) -> None:
    ratio = statistics.median(check) / statistics.median(parse)
    print(
        f"{label:<28} parse median {statistics.median(parse):8.2f} ms p90 {p90(parse):8.2f} ms | "
        f"validate median {statistics.median(check):8.2f} ms p90 {p90(check):8.2f} ms | "
        f"ratio {ratio:5.1f} | fatal {fatal}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--floor", action="store_true", help="split the time: asserts vs engine")
    args = parser.parse_args()
    print(f"rules: {RULE_RELEASE}")
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}, "
        f"lxml {etree.__version__}"
    )
    # Loading the rules and the UBL schemas must not slow the parses that follow on this thread
    # (libxml2 keeps a dictionary of names per thread): parse time before and after.
    sample = list(generated_invoices(5, lines=100))
    before = statistics.median(
        statistics.median(timings_ms(partial(etree.fromstring, d), 9)) for d in sample
    )
    validate(etree.fromstring(sample[0]))  # compile the rule set and the schemas, unmeasured
    after = statistics.median(
        statistics.median(timings_ms(partial(etree.fromstring, d), 9)) for d in sample
    )
    print(
        f"parse of a 100-line invoice before loading the rules and schemas {before:.3f} ms, "
        f"after {after:.3f} ms ({after / before:.2f}x)"
    )
    valid = sorted((EHF_DIR / "valid").rglob("*.xml"))
    if valid:
        docs = [p.read_bytes() for p in valid]
        report(f"valid documents ({len(docs)})", *measure(docs, args.rounds))
    else:
        print(f"no valid documents at {EHF_DIR / 'valid'}")
    for lines in SIZES:
        count = 5 if lines <= 100 else 3 if lines <= 1000 else 1
        docs = list(generated_invoices(count, lines=lines))
        per_line = []
        parse, check, fatal = measure(
            docs, args.rounds if lines < 5000 else max(1, args.rounds // 2)
        )
        per_line.append(statistics.median(check) / lines * 1000)
        report(f"generated, {lines:>5} lines ({count})", parse, check, fatal)
        print(f"{'':<28} validation per line {per_line[0]:.1f} µs")
    if args.floor:
        floor(args.rounds)


def floor(rounds: int) -> None:
    """The rules alone (no schema check) on a 1,000-line invoice, then taken apart: what is left
    when every assert answers at once, and when the context predicates go too. Changes the
    compiled rule set of this process, so it runs last."""
    data = next(generated_invoices(1, lines=1000))
    root = etree.fromstring(data)
    rules = rule_set()
    parse = statistics.median(timings_ms(partial(etree.fromstring, data), rounds))

    def run() -> float:
        return statistics.median(timings_ms(partial(rules.run, root), rounds))

    full = run()
    for pattern in rules.patterns:
        for rc in pattern.rules:
            for a in rc.asserts:
                object.__setattr__(a, "check", lambda e, d: True)
            if rc.failing is not None:
                object.__setattr__(rc, "failing", lambda e, d: ())
    trivial = run()
    for pattern in rules.patterns:
        for rc in pattern.rules:
            object.__setattr__(rc.context, "where", None)
            object.__setattr__(rc.context, "selected", None)
    rules._by_tag.clear()
    engine = run()
    print(
        f"floor, 1,000 lines: parse {parse:.1f} ms | rules {full:.1f} ms ({full / parse:.1f}x) | "
        f"asserts answering at once {trivial:.1f} ms ({trivial / parse:.1f}x) | "
        f"and no context predicates (the first path match wins) {engine:.1f} ms "
        f"({engine / parse:.1f}x) | "
        f"the asserts themselves {full - trivial:.1f} ms ({(full - trivial) / parse:.1f}x)"
    )


if __name__ == "__main__":
    main()
