"""Reading an uploaded file into a header and rows, whatever spreadsheet made it.

CSV comes as UTF-8 (with or without BOM) or GBK/GB18030, as Excel on a Chinese Windows
saves it; the encoding is told line by line, so a file pasted together from both is
refused at the first line that changes encoding instead of importing mojibake.  Excel
(.xlsx) is read with openpyxl: merged cells are refused (the value sits in one cell and
the rows below look empty), and a formula cell is read as the value Excel computed and
saved with it; a formula saved without one (a file written by a program, never opened in
Excel) becomes `FORMULA`, which the row check reports at its line and column.

The header is the first row with any value; line numbers are the file's own (1-based,
counting the header), so the error report points where the user looks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from cashloop.core.errors import DomainError
from cashloop.imports.errors import ImportsError

MAX_MB = 200


class _Formula:
    """A formula cell with no computed value."""

    def __repr__(self) -> str:
        return "FORMULA"


FORMULA = _Formula()


@dataclass
class Table:
    header: list[str]
    # (line, cells), data rows only, blank rows left out.
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole: GBK, unless some lines are UTF-8 (two files pasted together).
    first: str | None = None
    for line, raw in enumerate(content.splitlines(), 1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            kind = "utf-8"
        except UnicodeDecodeError:
            kind = "gb18030"
        if first is None:
            first = kind
        elif kind != first:
            raise DomainError(ImportsError.MIXED_ENCODING, line=line, details={"line": line})
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(ImportsError.UNREADABLE, reason="neither UTF-8 nor GBK") from None


def _csv(content: bytes) -> Table:
    text = _decode(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    table: Table | None = None
    try:
        for cells in reader:
            if _blank(cells):
                continue
            if table is None:
                table = Table(header=[c.strip() for c in cells])
            else:
                table.rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise DomainError(ImportsError.UNREADABLE, reason=f"line {reader.line_num}: {exc}") from exc
    return table or Table(header=[])


def _cell_value(value: Any, formula: Any) -> Any:
    if value is None and isinstance(formula, str) and formula.startswith("="):
        return FORMULA
    return value


def _xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        values = load_workbook(io.BytesIO(content), data_only=True).active
        formulas = load_workbook(io.BytesIO(content), data_only=False).active
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise DomainError(ImportsError.UNREADABLE, reason=type(exc).__name__) from exc
    merged = [str(cells) for cells in values.merged_cells.ranges]
    if merged:
        shown = ", ".join(merged[:5]) + (" …" if len(merged) > 5 else "")
        raise DomainError(ImportsError.MERGED_CELLS, cells=shown, details={"cells": merged})
    table: Table | None = None
    rows = zip(
        values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), strict=True
    )
    for line, (row, row_formulas) in enumerate(rows, 1):
        cells = [_cell_value(v, f) for v, f in zip(row, row_formulas, strict=True)]
        if _blank(cells):
            continue
        if table is None:
            table = Table(header=["" if c is None else str(c).strip() for c in cells])
        else:
            table.rows.append((line, cells))
    return table or Table(header=[])


def table_read(*, file_name: str, content: bytes) -> Table:
    """The file's header and data rows, or `import.unreadable` / `.mixed_encoding` /
    `.merged_cells` / `.too_large` / `.empty`."""
    if len(content) > MAX_MB * 1024 * 1024:
        raise DomainError(ImportsError.TOO_LARGE, limit=MAX_MB)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx(content)
    elif file_name.lower().endswith(".xls"):
        raise DomainError(ImportsError.UNREADABLE, reason="old .xls: save it as .xlsx or CSV")
    else:
        table = _csv(content)
    if not table.rows:
        raise DomainError(ImportsError.EMPTY)
    return table
