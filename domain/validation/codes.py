"""Code lists used by the rules, read once from the data files in codelists/."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def codes(name: str) -> frozenset[str]:
    """The codes in codelists/<name>.txt; lines starting with '#' are comments."""
    data = resources.files("domain.validation.codelists").joinpath(f"{name}.txt").read_text("utf-8")
    return frozenset(
        token for line in data.splitlines() if not line.startswith("#") for token in line.split()
    )
