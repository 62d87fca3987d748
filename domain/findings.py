"""A finding is what a business rule says about a document: rule id, flag, message and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Flag = Literal["fatal", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired on a document, as the official validators report it."""

    rule_id: str
    flag: Flag
    message: str
    location: str = "/"

    @property
    def text(self) -> str:
        """The message without the `[ID]-` prefix the official CEN messages carry."""
        prefix = f"[{self.rule_id}]"
        if self.message.startswith(prefix):
            return self.message[len(prefix) :].lstrip("- ")
        return self.message

    def __str__(self) -> str:
        return f"[{self.rule_id}] {self.flag}: {self.text} ({self.location})"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "flag": self.flag,
            "message": self.message,
            "location": self.location,
        }


def fatal(findings: list[Finding]) -> list[Finding]:
    """The findings that make a document unacceptable."""
    return [f for f in findings if f.flag == "fatal"]
