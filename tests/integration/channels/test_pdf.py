"""The PDF print: every valid EHF document renders, and the text a reader needs is in it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from adapters.pdf import render_pdf
from adapters.printable import UnreadableDocument


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u00a0", " ")


def valid_documents(ehf_dir: Path) -> list[Path]:
    return sorted((ehf_dir / "valid").rglob("*.xml"))


def test_every_valid_document_renders(ehf_dir: Path) -> None:
    files = valid_documents(ehf_dir)
    assert files, "no valid EHF documents found"
    for path in files:
        pdf = render_pdf(path.read_bytes())
        assert pdf.startswith(b"%PDF-"), path
        assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1, path


def test_norwegian_invoice_shows_what_the_reader_needs(ehf_dir: Path) -> None:
    text = pdf_text(render_pdf((ehf_dir / "valid/no/ehf-3-faktura-1.xml").read_bytes()))
    for expected in (
        "Faktura",
        "Fakturanr.",
        "TOSL108",
        "Fakturadato",
        "30.06.2013",
        "Forfallsdato",
        "20.07.2013",
        "Selger",
        "Kjøper",
        "The Sellercompany ASA",
        "Buyercompany ASA",
        "Org.nr. 123456785",
        "Org.nr. 987654325",
        "Beskrivelse",
        "Antall",
        "Pris",
        "MVA",
        "Beløp",
        "Laptop computer",
        "1 273,00",
        "Sum eks. mva",
        "1 436,50",
        "Sum inkl. mva",
        "1 801,78",
        "Å betale",
        "802,00",
        "Kontonr.",
        "8601.11.17947",
        "KID",
        "0003434323213231",
    ):
        assert expected in text, expected


def test_credit_note_is_titled_and_labelled_as_one(ehf_dir: Path) -> None:
    xml = (ehf_dir / "valid/peppol-examples/base-creditnote-correction.xml").read_bytes()
    text = pdf_text(render_pdf(xml))
    assert "Kreditnota" in text and "Kreditnotanr." in text and "Til gode" in text
    assert "Snippet1" in text  # the credit note number and the invoice it corrects
    assert "1 656,25" in text


def test_english_labels_when_the_document_says_english(ehf_dir: Path) -> None:
    xml = (ehf_dir / "valid/no/ehf-3-faktura-1.xml").read_bytes()
    english = xml.replace(b"<cbc:Note>", b'<cbc:Note languageID="en">', 1)
    text = pdf_text(render_pdf(english))
    assert "Invoice" in text and "Invoice no." in text and "Amount due" in text
    assert "1,801.78" in text and "2013-06-30" in text
    assert "Fakturanr." not in text
    assert "Invoice no." in pdf_text(render_pdf(xml, language="en"))


def test_norwegian_letters_survive(ehf_dir: Path) -> None:
    xml = (ehf_dir / "valid/no/ehf-3-faktura-1.xml").read_bytes()
    xml = xml.replace(b"Buyercompany ASA", "Bøyer Ærlig Åsen AS".encode())
    assert "Bøyer Ærlig Åsen AS" in pdf_text(render_pdf(xml))


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"<Invoice", "malformed XML"),
        (b"<Order xmlns='urn:x'/>", "neither a UBL Invoice nor CreditNote"),
        (
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>"
            b"&e;</Invoice>",
            "DOCTYPE",
        ),
    ],
)
def test_unreadable_documents_are_refused(xml: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocument, match=re.escape(reason)):
        render_pdf(xml)
