"""List exports as CSV (UTF-8 with a BOM, for Excel) or Excel, with the custom columns.

`list_export` takes a list's rows (already scoped with the `export` action), its own
columns and the object type, adds the custom fields the user may see (retired ones with
`?retired=1`) and answers with the file; every list export (customers, contacts, leads,
opportunities, invoices, payments, credit notes, contracts) uses it.  A column names the
model field it prints, so a field hidden from the user loses its column (decision 034);
masked values come masked already.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

from cashloop.core.fieldrules import HIDE, path_rule
from cashloop.core.scoping import object_type_of
from cashloop.customfields.selectors import custom_filtered, export_columns

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (label, cell) or (label, cell, field path): the path decides whether the column shows.
Column = tuple[str, Callable[[Any], Any]] | tuple[str, Callable[[Any], Any], str]


class _Echo:
    def write(self, value: str) -> str:
        return value


def list_export(
    request: HttpRequest, rows: Any, *, columns: Sequence[Column], filename: str
) -> HttpResponse:
    """`rows` (a scoped queryset) as `filename`.csv, or .xlsx with `?format=xlsx`."""
    rows = custom_filtered(rows, user=request.user, params=request.GET)
    custom_header, custom_cells = export_columns(
        user=request.user,
        object_type=object_type_of(rows.model),
        include_retired="retired" in request.GET,
    )
    shown = shown_columns(request.user, rows.model, columns)
    header = [str(label) for label, _get in shown] + custom_header

    def cells() -> Iterator[list[Any]]:
        for row in rows.iterator(chunk_size=2000):
            # Payments and credit notes have no custom fields.
            yield [get(row) for _label, get in shown] + custom_cells(
                getattr(row, "custom", {}) or {}
            )

    if request.GET.get("format") == "xlsx":
        return _xlsx(header, cells(), filename)
    return _csv(header, cells(), filename)


def shown_columns(
    user: Any, model: type[Any], columns: Sequence[Column]
) -> list[tuple[str, Callable[[Any], Any]]]:
    """The columns whose field `user` may see, as (label, cell)."""
    shown = []
    for label, cell, *path in columns:
        if not path or path_rule(user, model, path[0]) != HIDE:
            shown.append((label, cell))
    return shown


def _csv(header: list[str], cells: Iterable[list[Any]], filename: str) -> HttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel opens UTF-8 Chinese correctly only with a BOM
        yield writer.writerow(header)
        for row in cells:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx(header: list[str], cells: Iterable[list[Any]], filename: str) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in cells:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
