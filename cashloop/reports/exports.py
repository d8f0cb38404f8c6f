"""Exports of the aging summary: CSV (UTF-8 with a BOM, for Excel) and Excel (openpyxl).

The API and the pages both answer with these, so the files are the same whichever way
they are fetched.  Every row the user may see is exported (not only the largest ones),
then one total row per currency.  Amounts are in the document currency, exact: plain
decimal strings in the CSV, numbers with the currency's decimals in the workbook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from cashloop.core.errors import DomainError
from cashloop.core.money import minor_unit_exponent
from cashloop.reports.errors import ReportError
from cashloop.reports.selectors import BASIS_CHOICES, AgingSummary

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_format(value: str) -> str:
    fmt = (value or "").lower()
    if fmt not in FORMATS:
        raise DomainError(ReportError.BAD_FORMAT, value=value)
    return fmt


def header(summary: AgingSummary) -> list[str]:
    return [
        _("Customer code"),
        _("Customer"),
        _("Owner"),
        _("Currency"),
        *[str(b.label) for b in summary.buckets],
        _("Total open"),
        _("Advances"),
        _("Net"),
        _("Open items"),
    ]


def lines(summary: AgingSummary) -> Iterator[list[Any]]:
    """The table as cells: rows, then a total row per currency (amounts as Decimals)."""
    for r in summary.rows:
        yield [
            r.customer_code,
            r.customer_name,
            r.owner,
            r.currency,
            *r.amounts,
            r.total,
            r.advance,
            r.net,
            r.items,
        ]
    for t in summary.totals:
        yield ["", _("Total"), "", t.currency, *t.amounts, t.total, t.advance, t.net, t.items]


def _filename(summary: AgingSummary, suffix: str) -> str:
    return f"aging-{summary.params.as_of.isoformat()}-{summary.params.basis}.{suffix}"


def aging_csv(summary: AgingSummary) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(header(summary))
    for cells in lines(summary):
        writer.writerow(cells)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(summary, "csv")}"'
    return response


def _number_format(currency: str) -> str:
    digits = minor_unit_exponent(currency)
    return "#,##0" + ("." + "0" * digits if digits else "")


def aging_xlsx(summary: AgingSummary) -> HttpResponse:
    content = book_bytes(aging_book(summary))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(summary, "xlsx")}"'
    return response


def book_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def aging_book(summary: AgingSummary) -> Workbook:
    """The aging as a write-only workbook: the table, then its parameters (callers may add
    sheets before saving it)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Aging"))
    bold = Font(bold=True)

    def cell(value: Any, currency: str = "", strong: bool = False) -> WriteOnlyCell:
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal) and currency:
            made.number_format = _number_format(currency)
        if strong:
            made.font = bold
        return made

    sheet.append([cell(text, strong=True) for text in header(summary)])
    rows = len(summary.rows)
    for n, cells in enumerate(lines(summary)):
        currency = cells[3]
        sheet.append([cell(value, currency, strong=n >= rows) for value in cells])

    about = book.create_sheet(_("Parameters"))
    basis = dict(BASIS_CHOICES)
    params = summary.params
    for label, value in (
        (_("As of"), params.as_of.isoformat()),
        (_("Age by"), str(basis[params.basis])),
        (_("Buckets"), ",".join(str(b) for b in params.bounds)),
        (_("Currency"), params.currency or _("All")),
        (_("Owner"), params.owner_id or ""),
        (_("Team"), params.team_id or ""),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ):
        about.append([label, value])
    return book


def aging_export(summary: AgingSummary, fmt: str) -> HttpResponse:
    return aging_xlsx(summary) if check_format(fmt) == "xlsx" else aging_csv(summary)
