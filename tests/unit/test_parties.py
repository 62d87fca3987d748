"""Organisation numbers (MOD11) and PEPPOL participant ids."""

from __future__ import annotations

import pytest

from domain.parties import (
    EAS_CODES,
    NORWEGIAN_ORG,
    InvalidParticipantId,
    ParticipantId,
    check_org_number,
    mod11_check_digit,
)


@pytest.mark.parametrize("number", ["991825827", "123456785", "987654325", "974760673"])
def test_valid_org_numbers_pass_the_mod11_rule(number: str) -> None:
    assert check_org_number(number) == number


def test_a_wrong_check_digit_is_rejected_with_the_digit_rule_and_the_expected_digit() -> None:
    with pytest.raises(InvalidParticipantId) as caught:
        check_org_number("991825828")
    message = str(caught.value)
    assert "MOD11" in message
    assert "3,2,7,6,5,4,3,2" in message
    assert "check digit is 8, expected 7" in message
    assert "'991825828'" in message


def test_a_number_whose_remainder_is_one_has_no_check_digit_at_all() -> None:
    assert mod11_check_digit("99182586") is None
    with pytest.raises(InvalidParticipantId, match="none exists"):
        check_org_number("991825860")


def test_remainder_zero_gives_check_digit_zero() -> None:
    # 3*1 + 2*0 + ... chosen so that the weighted sum is a multiple of 11
    first_eight = next(f"{p:08d}" for p in range(10_000_000, 10_001_000) if _sum(p) % 11 == 0)
    assert mod11_check_digit(first_eight) == 0
    assert check_org_number(first_eight + "0") == first_eight + "0"


def _sum(prefix: int) -> int:
    return sum(int(d) * w for d, w in zip(f"{prefix:08d}", (3, 2, 7, 6, 5, 4, 3, 2), strict=True))


@pytest.mark.parametrize("text", ["99182582", "9918258270", "99182582a", "", "991 825 827"])
def test_org_numbers_must_be_exactly_nine_digits(text: str) -> None:
    with pytest.raises(InvalidParticipantId, match="exactly 9 digits"):
        check_org_number(text)


def test_a_bare_nine_digit_number_is_a_norwegian_organisation_number() -> None:
    participant = ParticipantId.parse("991825827")
    assert participant == ParticipantId(NORWEGIAN_ORG, "991825827")
    assert str(participant) == "0192:991825827"


def test_scheme_and_value_parse_and_print_back() -> None:
    assert ParticipantId.parse(" 0192:991825827 ") == ParticipantId("0192", "991825827")
    gln = ParticipantId.parse("0088:7300010000001")
    assert (gln.scheme, gln.value) == ("0088", "7300010000001")
    assert str(gln) == "0088:7300010000001"
    assert ParticipantId.parse(str(gln)) == gln


def test_a_norwegian_scheme_value_must_pass_mod11() -> None:
    with pytest.raises(InvalidParticipantId, match="MOD11"):
        ParticipantId.parse("0192:991825828")


def test_other_schemes_do_not_use_the_norwegian_digit_rule() -> None:
    assert ParticipantId.parse("0007:5567321707").value == "5567321707"


def test_an_unknown_scheme_is_rejected_naming_the_scheme() -> None:
    assert "9999" not in EAS_CODES
    with pytest.raises(InvalidParticipantId, match="'9999' is not an EAS code"):
        ParticipantId.parse("9999:123")


@pytest.mark.parametrize("text", ["0192:", "0088:a:b", "0088: 123"])
def test_empty_or_malformed_values_are_rejected(text: str) -> None:
    with pytest.raises(InvalidParticipantId, match="empty or malformed"):
        ParticipantId.parse(text)


def test_text_without_a_scheme_says_how_to_write_it() -> None:
    with pytest.raises(InvalidParticipantId, match="SCHEME:VALUE"):
        ParticipantId.parse("acme")


def test_participant_ids_sort_and_compare_by_scheme_then_value() -> None:
    ids = [ParticipantId.parse(t) for t in ("0192:991825827", "0088:7300010000001")]
    assert sorted(ids)[0].scheme == "0088"
    assert len({ParticipantId.parse("991825827"), ParticipantId("0192", "991825827")}) == 1
