"""PEPPOL participant ids (`SCHEME:VALUE`) and the Norwegian organisation number check digit."""

from __future__ import annotations

import re
from dataclasses import dataclass

NORWEGIAN_ORG = "0192"
_MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)

# Electronic Address Scheme (EAS) codes accepted for cbc:EndpointID, PEPPOL code list v9.x.
EAS_CODES = frozenset(
    """
    0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177
    0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205
    0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 0230 0235 0240 0242
    0244 0246 9901 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929
    9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947
    9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM
    """.split()
)


class InvalidParticipantId(ValueError):
    """A participant id or organisation number that cannot be used to reach anybody."""


def mod11_check_digit(first_eight: str) -> int | None:
    """The organisation number check digit for the first eight digits; None when none exists."""
    total = sum(int(d) * w for d, w in zip(first_eight, _MOD11_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def check_org_number(value: str) -> str:
    """Return a valid Norwegian organisation number or raise with the rule that it breaks."""
    if not re.fullmatch(r"\d{9}", value):
        raise InvalidParticipantId(f"organisation number {value!r} must be exactly 9 digits")
    expected = mod11_check_digit(value[:8])
    if expected is None or int(value[8]) != expected:
        wanted = "none exists (remainder 1)" if expected is None else str(expected)
        raise InvalidParticipantId(
            f"organisation number {value!r} fails the MOD11 check digit rule "
            f"(weights 3,2,7,6,5,4,3,2): check digit is {value[8]}, expected {wanted}"
        )
    return value


@dataclass(frozen=True, slots=True, order=True)
class ParticipantId:
    """A PEPPOL participant id: an EAS/ICD scheme and a value, written `SCHEME:VALUE`."""

    scheme: str
    value: str

    def __post_init__(self) -> None:
        if self.scheme not in EAS_CODES:
            raise InvalidParticipantId(
                f"participant scheme {self.scheme!r} is not an EAS code (e.g. 0192, 0088)"
            )
        if not self.value or self.value != self.value.strip() or ":" in self.value:
            raise InvalidParticipantId(f"participant value {self.value!r} is empty or malformed")
        if self.scheme == NORWEGIAN_ORG:
            check_org_number(self.value)

    @classmethod
    def parse(cls, text: str) -> ParticipantId:
        """Parse `SCHEME:VALUE`; a bare 9-digit number is a Norwegian organisation number."""
        text = text.strip()
        if re.fullmatch(r"\d{9}", text):
            return cls(NORWEGIAN_ORG, text)
        scheme, sep, value = text.partition(":")
        if not sep:
            raise InvalidParticipantId(
                f"participant id {text!r} must be SCHEME:VALUE (e.g. 0192:991825827) "
                "or a 9-digit organisation number"
            )
        return cls(scheme, value)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"
