"""Hostile and broken XML: every case is rejected with a one-line reason, nothing leaks or hangs."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from domain.ehf import DEFAULT_MAX_BYTES, DocumentRejected, load_ehf, parse_xml, read_ehf
from domain.ehf import xml as ehf_xml

SAMPLE = "valid/no/ehf-3-faktura-1.xml"
SECRET = "TOP-SECRET-7f3a9c-do-not-leak"
DOCTYPE_REASON = "document has a DOCTYPE declaration"


def _rejected(data: bytes, **kwargs: int) -> DocumentRejected:
    started = time.perf_counter()
    with pytest.raises(DocumentRejected) as caught:
        load_ehf(data, **kwargs)
    assert time.perf_counter() - started < 2.0, "rejection must be quick"
    reason = str(caught.value)
    assert reason and "\n" not in reason, reason
    return caught.value


def _secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _nowhere(exc: DocumentRejected) -> None:
    assert SECRET not in str(exc)
    assert SECRET not in repr(exc)
    assert all(SECRET not in str(f) for f in exc.findings)
    assert exc.__cause__ is None or SECRET not in str(exc.__cause__)


def test_xxe_with_a_system_entity_is_rejected_and_the_file_never_appears(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>'
    ).encode()
    exc = _rejected(data)
    assert str(exc).startswith(DOCTYPE_REASON)
    _nowhere(exc)


def test_xxe_in_utf16_is_caught_after_parsing_without_resolving(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    data = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><r>&xxe;</r>'
    ).encode("utf-16")
    assert b"<!DOCTYPE" not in data  # the byte scan cannot see it; the parsed doctype can
    exc = _rejected(data)
    assert str(exc).startswith(DOCTYPE_REASON)
    _nowhere(exc)


def test_the_hardened_parser_itself_never_resolves_external_entities(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    data = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><r>&xxe;</r>'
    ).encode("utf-16")
    from lxml import etree

    root = etree.fromstring(data, ehf_xml._parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")
    assert SECRET not in "".join(root.itertext())


def test_an_external_dtd_is_rejected_without_loading_it(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">')
    for system_id in (dtd.as_uri(), "http://127.0.0.1:9/evil.dtd"):
        data = (
            f'<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "{system_id}">\n'
            '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
            "&leak;</Invoice>"
        ).encode()
        exc = _rejected(data)
        assert str(exc).startswith(DOCTYPE_REASON)
        _nowhere(exc)


def test_billion_laughs_is_rejected_quickly() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    data = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]><lolz>&lol9;</lolz>'
    ).encode()
    exc = _rejected(data)
    assert str(exc).startswith(DOCTYPE_REASON)


def test_quadratic_blowup_is_rejected_quickly() -> None:
    blob = "a" * 50_000
    data = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{blob}">]><r>{"&a;" * 20_000}</r>'
    ).encode()
    assert len(data) < DEFAULT_MAX_BYTES
    exc = _rejected(data)
    assert str(exc).startswith(DOCTYPE_REASON)


def test_a_doctype_slipped_into_a_real_invoice_is_rejected(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()
    declaration_end = data.index(b"?>") + 2
    tampered = data[:declaration_end] + b"\n<!DOCTYPE Invoice>" + data[declaration_end:]
    assert str(_rejected(tampered)).startswith(DOCTYPE_REASON)


def test_a_25_mb_file_is_rejected_by_size_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.xml"
    body = b"<Invoice>" + b"x" * (25 * 1024 * 1024 - len(b"<Invoice></Invoice>")) + b"</Invoice>"
    path.write_bytes(body)
    data = path.read_bytes()
    assert len(data) == 26_214_400

    def must_not_parse() -> None:
        raise AssertionError("the parser must not see an oversized document")

    monkeypatch.setattr(ehf_xml, "_parser", must_not_parse)
    exc = _rejected(data)
    assert str(exc) == (
        "document is 26214400 bytes, over the limit of 20971520 bytes (setting max_document_bytes)"
    )


def test_the_size_limit_is_a_setting(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()
    exc = _rejected(data, max_bytes=1000)
    assert str(exc) == (
        f"document is {len(data)} bytes, over the limit of 1000 bytes (setting max_document_bytes)"
    )
    assert load_ehf(data, max_bytes=len(data))[0].number == "TOSL108"


def test_a_truncated_file_is_malformed_xml_with_a_line(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()
    exc = _rejected(data[: len(data) // 2])
    assert str(exc).startswith("malformed XML: ")
    assert "line " in str(exc)


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_documents_are_rejected(data: bytes) -> None:
    assert str(_rejected(data)) == f"document is empty ({len(data)} bytes)"


def test_binary_garbage_is_rejected() -> None:
    garbage = random.Random(0).randbytes(4096)
    assert str(_rejected(garbage)).startswith("malformed XML: ")


@pytest.mark.parametrize(
    "data",
    [
        b"<Invoice><cbc:ID>1</cbc:ID></Invoice>",  # undeclared prefix
        b"<a></b>",
        b"<a/><b/>",
        b'<?xml version="1.0" encoding="NO-SUCH-ENCODING"?><a/>',
        b"\xff\xfe\x00\x00garbage",
        b"<a>&undefined;</a>",
    ],
)
def test_other_malformed_xml_never_lets_an_lxml_error_escape(data: bytes) -> None:
    assert str(_rejected(data)).startswith("malformed XML: ")


def test_text_instead_of_bytes_is_rejected() -> None:
    with pytest.raises(DocumentRejected, match="must be bytes, not str"):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_utf16_and_bom_documents_are_fine(ehf_dir: Path) -> None:
    utf8 = (ehf_dir / SAMPLE).read_bytes()
    text = utf8.decode("utf-8")
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with_bom = b"\xef\xbb\xbf" + utf8
    expected = load_ehf(utf8)[0]
    assert load_ehf(utf16)[0] == expected
    assert load_ehf(with_bom)[0] == expected


def test_non_ascii_text_survives(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()
    data = data.replace(b"The Sellercompany ASA", "Blåbær &amp; Søn ASA".encode())
    assert load_ehf(data)[0].seller.name == "Blåbær & Søn ASA"


def test_comments_and_processing_instructions_are_harmless(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()  # the sample is full of comments
    data = data.replace(b"<cbc:ID>TOSL108</cbc:ID>", b"<?pi x?><cbc:ID>TOSL<!-- c -->108</cbc:ID>")
    assert read_ehf(parse_xml(data)).number == "TOSL108"  # the string value, as XPath reads it


def test_parsing_is_safe_from_several_threads(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes()
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(lambda _: load_ehf(data)[0].number, range(40)))
    assert numbers == ["TOSL108"] * 40


def test_a_text_value_over_the_parser_limit_is_explained_in_senders_terms() -> None:
    data = b"<a>" + b"QUJD" * (11 * 1024 * 256) + b"</a>"  # 11 MB of base64 in one element
    assert len(data) < DEFAULT_MAX_BYTES
    reason = str(_rejected(data))
    assert reason.startswith("document has a text value over 10,000,000 characters")
    assert "XML_PARSE_HUGE" not in reason
