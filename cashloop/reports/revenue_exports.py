"""The revenue report's table as CSV (UTF-8 with a BOM, for Excel) or Excel: every row,
then the total; amounts in the base currency as exact decimals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cashloop.reports.exports import XLSX_TYPE, check_format
from cashloop.reports.revenue import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    NONE_LABELS,
    Compare,
    RevenueReport,
    RevenueRow,
)
from cashloop.web.files import attachment


def _header(report: RevenueReport) -> list[str]:
    compare = report.params.compare
    columns = [str(DIMENSION_LABELS[report.params.dimension]), _("Key"), _("This period")]
    if compare in (Compare.BOTH, Compare.PREVIOUS):
        columns += [_("Previous period"), _("Change"), _("Change %")]
    if compare in (Compare.BOTH, Compare.YEAR):
        columns += [_("Same period a year before"), _("Change"), _("Change %")]
    return columns


def _cells(report: RevenueReport, row: RevenueRow, label: str) -> list[Any]:
    compare = report.params.compare
    cells: list[Any] = [label, "" if row is report.total else row.key_text, row.current]
    if compare in (Compare.BOTH, Compare.PREVIOUS):
        cells += [row.previous, row.delta_previous, row.percent_previous]
    if compare in (Compare.BOTH, Compare.YEAR):
        cells += [row.year_before, row.delta_year, row.percent_year]
    return cells


def _lines(report: RevenueReport) -> Iterator[list[Any]]:
    none_label = str(NONE_LABELS.get(report.params.dimension, ""))
    for row in report.rows:
        yield _cells(report, row, row.label or none_label)
    yield _cells(report, report.total, _("Total"))


def _filename(report: RevenueReport, suffix: str) -> str:
    p = report.params
    return f"revenue-{p.measure}-{p.dimension}-{p.window.start}-{p.window.end}.{suffix}"


def revenue_export(report: RevenueReport, fmt: str) -> HttpResponse:
    """`fmt` "csv" or "xlsx" (anything else: `report.bad_format`)."""
    fmt = check_format(fmt)
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(_header(report))
        writer.writerows(_lines(report))
        return attachment(buffer.getvalue(), "text/csv; charset=utf-8", _filename(report, fmt))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(MEASURE_LABELS[report.params.measure]))
    sheet.append(_header(report))
    for cells in _lines(report):
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return attachment(out.getvalue(), XLSX_TYPE, _filename(report, fmt))
