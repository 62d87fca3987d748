"""The PDF print of an EHF invoice or credit note that the e-mail channel attaches.

Layout for a Norwegian reader (A4, Norwegian labels, `1 234,50` amounts, `dd.mm.yyyy` dates);
English labels and `1,234.50` when the document's language is English (see `read_printable`).
The font is the PDF core font Helvetica in Windows-1252, which needs no font file and covers
Norwegian (æøå), the other Nordic and Western European letters and €; any other character is
printed as '?'.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace

from adapters.printable import Party, Printable, read_printable

__all__ = ["render_pdf", "render_printable"]

_LABELS: dict[str, dict[str, str]] = {
    "no": {
        "Invoice": "Faktura",
        "CreditNote": "Kreditnota",
        "number_Invoice": "Fakturanr.",
        "number_CreditNote": "Kreditnotanr.",
        "issue_date_Invoice": "Fakturadato",
        "issue_date_CreditNote": "Kreditnotadato",
        "due_date": "Forfallsdato",
        "delivery_date": "Leveringsdato",
        "buyer_reference": "Deres ref.",
        "order_reference": "Ordrenr.",
        "invoice_reference": "Gjelder faktura",
        "currency": "Valuta",
        "seller": "Selger",
        "buyer": "Kjøper",
        "org": "Org.nr.",
        "vat_number": "MVA-nr.",
        "description": "Beskrivelse",
        "quantity": "Antall",
        "unit": "Enhet",
        "price": "Pris",
        "vat": "MVA",
        "amount": "Beløp",
        "allowance": "Rabatt",
        "charge": "Gebyr",
        "vat_breakdown": "MVA-spesifikasjon",
        "vat_rate": "Sats",
        "taxable": "Grunnlag",
        "line_total": "Sum linjer",
        "allowance_total": "Sum rabatter",
        "charge_total": "Sum gebyrer",
        "tax_exclusive": "Sum eks. mva",
        "vat_total": "MVA",
        "tax_inclusive": "Sum inkl. mva",
        "prepaid": "Forskuddsbetalt",
        "rounding": "Øreavrunding",
        "payable_Invoice": "Å betale",
        "payable_CreditNote": "Til gode",
        "payment": "Betaling",
        "account": "Kontonr.",
        "kid": "KID",
        "bic": "BIC",
        "notes": "Merknader",
        "terms": "Betalingsbetingelser",
        "page": "Side {page} av {pages}",
        "footer": (
            "Utskrift av EHF-dokument, laget av AutoTrans. Det elektroniske dokumentet gjelder."
        ),
    },
    "en": {
        "Invoice": "Invoice",
        "CreditNote": "Credit note",
        "number_Invoice": "Invoice no.",
        "number_CreditNote": "Credit note no.",
        "issue_date_Invoice": "Invoice date",
        "issue_date_CreditNote": "Credit note date",
        "due_date": "Due date",
        "delivery_date": "Delivery date",
        "buyer_reference": "Your ref.",
        "order_reference": "Order no.",
        "invoice_reference": "Credits invoice",
        "currency": "Currency",
        "seller": "Seller",
        "buyer": "Buyer",
        "org": "Org. no.",
        "vat_number": "VAT no.",
        "description": "Description",
        "quantity": "Qty",
        "unit": "Unit",
        "price": "Price",
        "vat": "VAT",
        "amount": "Amount",
        "allowance": "Allowance",
        "charge": "Charge",
        "vat_breakdown": "VAT breakdown",
        "vat_rate": "Rate",
        "taxable": "Taxable",
        "line_total": "Sum of lines",
        "allowance_total": "Allowances",
        "charge_total": "Charges",
        "tax_exclusive": "Total excl. VAT",
        "vat_total": "VAT",
        "tax_inclusive": "Total incl. VAT",
        "prepaid": "Prepaid",
        "rounding": "Rounding",
        "payable_Invoice": "Amount due",
        "payable_CreditNote": "Amount credited",
        "payment": "Payment",
        "account": "Account no.",
        "kid": "KID",
        "bic": "BIC",
        "notes": "Notes",
        "terms": "Payment terms",
        "page": "Page {page} of {pages}",
        "footer": "Print of an EHF document, made by AutoTrans. The electronic document prevails.",
    },
}

# UN/ECE Recommendation 20 unit codes most often seen on Norwegian invoices.
_UNITS: dict[str, dict[str, str]] = {
    "no": {
        "C62": "stk",
        "EA": "stk",
        "H87": "stk",
        "NAR": "stk",
        "XPP": "stk",
        "HUR": "timer",
        "DAY": "dager",
        "WEE": "uker",
        "MON": "mnd",
        "ANN": "år",
        "MIN": "min",
        "MTR": "m",
        "KMT": "km",
        "MTK": "m²",
        "MTQ": "m³",
        "KGM": "kg",
        "GRM": "g",
        "TNE": "tonn",
        "LTR": "l",
        "KWH": "kWh",
        "SET": "sett",
        "PR": "par",
        "LS": "rundsum",
        "ZZ": "",
    },
    "en": {
        "C62": "pcs",
        "EA": "each",
        "H87": "pcs",
        "NAR": "pcs",
        "XPP": "pcs",
        "HUR": "hours",
        "DAY": "days",
        "WEE": "weeks",
        "MON": "months",
        "ANN": "years",
        "MIN": "min",
        "MTR": "m",
        "KMT": "km",
        "MTK": "m²",
        "MTQ": "m³",
        "KGM": "kg",
        "GRM": "g",
        "TNE": "t",
        "LTR": "l",
        "KWH": "kWh",
        "SET": "set",
        "PR": "pair",
        "LS": "lump sum",
        "ZZ": "",
    },
}

_MARGIN = 15.0
_WIDTH = 180.0  # A4 width less two margins
_GREY = (110, 110, 110)
_SHADE = (235, 238, 242)
_HEAD = FontFace(emphasis="BOLD", fill_color=_SHADE)


def render_pdf(xml: bytes, language: str | None = None) -> bytes:
    """Render an EHF invoice or credit note as PDF; `language` ("no"/"en") overrides the XML's."""
    return render_printable(read_printable(xml), language)


def render_printable(doc: Printable, language: str | None = None) -> bytes:
    """Render an already-read document as a PDF."""
    return _InvoicePdf(doc, language or doc.language).build()


class _Numbers:
    """Amounts, quantities and dates the way the reader writes them."""

    def __init__(self, language: str) -> None:
        self.english = language == "en"

    def _group(self, value: Decimal, places: int) -> str:
        text = f"{value:,.{places}f}"
        if self.english:
            return text
        return text.replace(",", "\u00a0").replace(".", ",")

    def amount(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return self._group(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)

    def price(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        places = max(2, min(4, -int(value.normalize().as_tuple().exponent)))
        return self._group(value, places)

    def quantity(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        places = max(0, min(4, -int(value.normalize().as_tuple().exponent)))
        return self._group(value, places)

    def percent(self, value: Decimal | None) -> str:
        return "" if value is None else f"{self.quantity(value)} %"

    def date(self, iso: str) -> str:
        if self.english or len(iso) != 10 or iso[4] != "-" or iso[7] != "-":
            return iso
        return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"


def _account(number: str) -> str:
    """Norwegian bank accounts are written 1234.56.78901."""
    digits = number.replace(" ", "").replace(".", "")
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    return number


class _Pdf(FPDF):
    footer_text = ""
    page_label = ""
    running_head = ""  # on continuation pages, so a loose page still says whose it is

    def header(self) -> None:
        if self.page_no() == 1 or not self.running_head:
            return
        self.set_font("helvetica", size=8)
        self.set_text_color(*_GREY)
        self.cell(_WIDTH, 5, self.running_head, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=7)
        self.set_text_color(*_GREY)
        self.cell(_WIDTH * 0.75, 4, self.footer_text)
        label = self.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(_WIDTH * 0.25, 4, label, align="R")
        self.set_text_color(0, 0, 0)


class _InvoicePdf:
    def __init__(self, doc: Printable, language: str) -> None:
        self.doc = doc
        self.lang = language if language in _LABELS else "no"
        self.t = _LABELS[self.lang]
        self.n = _Numbers(self.lang)
        pdf = _Pdf(format="A4", unit="mm")
        pdf.core_fonts_encoding = "cp1252"
        pdf.footer_text = self.t["footer"]
        pdf.page_label = self.t["page"]
        pdf.running_head = self._safe(
            f"{self.t[doc.document_type]} {doc.number} · {doc.seller.name}"
        )
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        title = f"{self.t[doc.document_type]} {doc.number}"
        pdf.set_title(self._safe(title))
        pdf.set_author(self._safe(doc.seller.name))
        pdf.set_creator("AutoTrans")
        with contextlib.suppress(ValueError):
            # The issue date, not the clock: a retry attaches byte-identical PDFs.
            pdf.set_creation_date(datetime.fromisoformat(doc.issue_date).replace(tzinfo=UTC))
        self.pdf = pdf

    @staticmethod
    def _safe(text: str) -> str:
        return text.encode("cp1252", errors="replace").decode("cp1252")

    def _font(self, size: float, style: str = "") -> None:
        self.pdf.set_font("helvetica", style=style, size=size)

    def _text(self, width: float, height: float, text: str, align: str = "L") -> None:
        self.pdf.multi_cell(
            width, height, self._safe(text), align=align, new_x="LMARGIN", new_y="NEXT"
        )

    def build(self) -> bytes:
        self.pdf.add_page()
        self._header()
        self._lines()
        self._allowances_charges()
        self._summary()
        self._payment()
        return bytes(self.pdf.output())

    def _header(self) -> None:
        doc, t, pdf = self.doc, self.t, self.pdf
        top = pdf.get_y()
        seller_bottom = self._party_block(_MARGIN, top, t["seller"], doc.seller, size=13)
        pdf.set_xy(_MARGIN + 105, top)
        self._font(20, "B")
        pdf.cell(75, 9, self._safe(t[doc.document_type]), align="R")

        top = max(seller_bottom, top + 12) + 6
        buyer_bottom = self._party_block(_MARGIN, top, t["buyer"], doc.buyer, size=11)
        pdf.set_y(top)
        number_label = t[f"number_{doc.document_type}"]
        facts = [
            (number_label, doc.number),
            (t[f"issue_date_{doc.document_type}"], self.n.date(doc.issue_date)),
            (t["due_date"], self.n.date(doc.due_date)),
            (t["delivery_date"], self.n.date(doc.delivery_date)),
            (t["invoice_reference"], ", ".join(doc.invoice_references)),
            (t["buyer_reference"], doc.buyer_reference),
            (t["order_reference"], doc.order_reference),
            (t["currency"], doc.currency),
        ]
        for label, value in facts:
            if not value:
                continue
            pdf.set_x(_MARGIN + 105)
            self._font(9)
            pdf.set_text_color(*_GREY)
            pdf.cell(32, 5, self._safe(label))
            pdf.set_text_color(0, 0, 0)
            self._font(9, "B" if label == number_label else "")
            pdf.multi_cell(43, 5, self._safe(value), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(buyer_bottom, pdf.get_y()) + 4)
        if doc.notes:
            self._font(8.5, "I")
            for note in doc.notes:
                self._text(_WIDTH, 4.4, note)
        pdf.ln(4)

    def _party_block(self, x: float, y: float, label: str, party: Party, size: float) -> float:
        """Print one party at (x, y); return where it ends."""
        pdf = self.pdf
        pdf.set_xy(x, y)
        self._font(7.5)
        pdf.set_text_color(*_GREY)
        pdf.cell(95, 4, self._safe(label), new_x="LEFT", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        self._font(size, "B")
        pdf.multi_cell(95, size * 0.5, self._safe(party.name), new_x="LEFT", new_y="NEXT")
        self._font(9)
        lines = list(party.address)
        if party.org_number:
            lines.append(f"{self.t['org']} {party.org_number}")
        if party.vat_number and party.vat_number != party.org_number:
            lines.append(f"{self.t['vat_number']} {party.vat_number}")
        if party.contact:
            lines.append(" · ".join(party.contact))
        for line in lines:
            pdf.multi_cell(95, 4.4, self._safe(line), new_x="LEFT", new_y="NEXT")
        return pdf.get_y()

    def _unit(self, code: str) -> str:
        return _UNITS[self.lang].get(code, code)

    def _lines(self) -> None:
        t, n, pdf = self.t, self.n, self.pdf
        self._font(8.5)
        with pdf.table(
            col_widths=(78, 17, 15, 24, 14, 32),
            text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=_HEAD,
            borders_layout="HORIZONTAL_LINES",
            line_height=4.6,
            padding=(1.2, 1.5, 1.2, 1.5),
            width=_WIDTH,
        ) as table:
            head = table.row()
            for key in ("description", "quantity", "unit", "price", "vat", "amount"):
                head.cell(self._safe(t[key]))
            for line in self.doc.lines:
                description = line.description
                if line.detail:
                    description = f"{description}\n{line.detail}"
                row = table.row()
                row.cell(self._safe(description))
                row.cell(n.quantity(line.quantity))
                row.cell(self._safe(self._unit(line.unit)))
                row.cell(n.price(line.price))
                row.cell(n.percent(line.vat_percent))
                row.cell(n.amount(line.amount))
        pdf.ln(3)

    def _allowances_charges(self) -> None:
        if not self.doc.allowances_charges:
            return
        t, n, pdf = self.t, self.n, self.pdf
        self._font(8.5)
        with pdf.table(
            col_widths=(148, 32),
            text_align=("LEFT", "RIGHT"),
            first_row_as_headings=False,
            borders_layout="NONE",
            line_height=4.6,
            padding=(0.6, 1.5, 0.6, 1.5),
            width=_WIDTH,
        ) as table:
            for ac in self.doc.allowances_charges:
                kind = t["charge"] if ac.charge else t["allowance"]
                vat = (
                    f" ({t['vat']} {n.percent(ac.vat_percent)})"
                    if ac.vat_percent is not None
                    else ""
                )
                sign = Decimal(1) if ac.charge else Decimal(-1)
                amount = None if ac.amount is None else ac.amount * sign
                row = table.row()
                row.cell(self._safe(f"{kind}: {ac.reason}{vat}"))
                row.cell(n.amount(amount))
        pdf.ln(3)

    def _summary(self) -> None:
        doc, t, n, pdf = self.doc, self.t, self.n, self.pdf
        if pdf.get_y() > 297 - 18 - 60:
            pdf.add_page()
        top = pdf.get_y()
        # VAT breakdown, left.
        self._font(8.5)
        if doc.vat:
            with pdf.table(
                col_widths=(30, 30, 25),
                text_align=("LEFT", "RIGHT", "RIGHT"),
                headings_style=_HEAD,
                borders_layout="HORIZONTAL_LINES",
                line_height=4.6,
                padding=(1, 1.5, 1, 1.5),
                width=85,
                align="LEFT",
            ) as table:
                head = table.row()
                head.cell(self._safe(f"{t['vat']} {t['vat_rate'].lower()}"))
                head.cell(self._safe(t["taxable"]))
                head.cell(self._safe(t["vat"]))
                for sub in doc.vat:
                    rate = f"{sub.category} {n.percent(sub.percent)}".strip()
                    row = table.row()
                    row.cell(self._safe(rate))
                    row.cell(n.amount(sub.taxable))
                    row.cell(n.amount(sub.tax))
            reasons = [f"{s.category}: {s.exemption_reason}" for s in doc.vat if s.exemption_reason]
            self._font(7.5)
            for reason in reasons:
                self._text(85, 3.8, reason)
        left_bottom = pdf.get_y()
        # Totals, right.
        pdf.set_y(top)
        rows: list[tuple[str, Decimal | None]] = [(t["line_total"], doc.line_total)]
        if doc.allowance_total:
            rows.append((t["allowance_total"], -doc.allowance_total))
        if doc.charge_total:
            rows.append((t["charge_total"], doc.charge_total))
        rows += [
            (t["tax_exclusive"], doc.tax_exclusive),
            (t["vat_total"], doc.vat_total),
            (t["tax_inclusive"], doc.tax_inclusive),
        ]
        if doc.prepaid:
            rows.append((t["prepaid"], -doc.prepaid))
        if doc.rounding:
            rows.append((t["rounding"], doc.rounding))
        for label, value in rows:
            pdf.set_x(_MARGIN + 100)
            self._font(9, "B" if label == t["tax_inclusive"] else "")
            pdf.cell(50, 5.2, self._safe(label))
            pdf.cell(30, 5.2, n.amount(value), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(_MARGIN + 100)
        pdf.set_fill_color(*_SHADE)
        self._font(11, "B")
        payable = t[f"payable_{doc.document_type}"]
        pdf.cell(50, 8, self._safe(f" {payable} ({doc.currency})"), fill=True)
        pdf.cell(30, 8, n.amount(doc.payable), align="R", fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    def _payment(self) -> None:
        doc, t, pdf = self.doc, self.t, self.pdf
        facts = [
            (t["account"], ", ".join(_account(a) for a in doc.accounts)),
            (t["kid"], doc.kid),
            (t["bic"], doc.bic),
            (t["due_date"], self.n.date(doc.due_date) if doc.document_type == "Invoice" else ""),
            (
                t[f"payable_{doc.document_type}"],
                f"{doc.currency} {self.n.amount(doc.payable)}" if doc.payable is not None else "",
            ),
        ]
        facts = [(label, value) for label, value in facts if value]
        if not facts:
            return
        if pdf.get_y() > 297 - 18 - 40:
            pdf.add_page()
        self._font(10, "B")
        pdf.cell(_WIDTH, 6, self._safe(t["payment"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(180, 180, 180)
        pdf.line(_MARGIN, pdf.get_y(), _MARGIN + _WIDTH, pdf.get_y())
        pdf.ln(1.5)
        for label, value in facts:
            self._font(9)
            pdf.set_text_color(*_GREY)
            pdf.cell(35, 5.2, self._safe(label))
            pdf.set_text_color(0, 0, 0)
            self._font(10, "B")
            pdf.cell(145, 5.2, self._safe(value), new_x="LMARGIN", new_y="NEXT")
        for term in doc.payment_terms:
            self._font(8.5)
            self._text(_WIDTH, 4.4, f"{t['terms']}: {term}")
        pdf.ln(4)
