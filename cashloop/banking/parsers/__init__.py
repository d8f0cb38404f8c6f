"""Statement files in, `ParsedStatement` out, whatever the format.

`parse_statement` tells the format from the content (a camt namespace, SWIFT tags, an OFX
header, a zip or OLE2 spreadsheet), not from the file name, which users rename freely;
CSV is what is left, and needs a profile.  Decision 044 says which library reads what.
"""

from __future__ import annotations

from cashloop.banking.choices import StatementFormat
from cashloop.banking.errors import BankingError
from cashloop.banking.parsers.base import (
    LineCode,
    LineIn,
    ParsedLine,
    ParsedStatement,
    ParseError,
)
from cashloop.banking.parsers.camt import camt_kind, parse_camt
from cashloop.banking.parsers.encoding import ENCODING_CHOICES, decode
from cashloop.banking.parsers.ofx import is_ofx, parse_ofx
from cashloop.banking.parsers.swift import parse_swift, swift_kind
from cashloop.banking.parsers.tabular import Profile, read_csv, read_excel, read_table
from cashloop.core.errors import DomainError

__all__ = [
    "ENCODING_CHOICES",
    "LineCode",
    "LineIn",
    "ParseError",
    "ParsedLine",
    "ParsedStatement",
    "Profile",
    "detect_format",
    "parse_statement",
]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound document of .xls
_ZIP = b"PK\x03\x04"  # .xlsx


def detect_format(data: bytes) -> str:
    """The StatementFormat of a file by its content; CSV when nothing else fits."""
    if data.startswith(_OLE2) or data.startswith(_ZIP):
        return StatementFormat.EXCEL
    kind = camt_kind(data)
    if kind:
        return kind
    if is_ofx(data):
        return StatementFormat.OFX
    # SWIFT tags are ASCII in every encoding a bank uses.
    head = data[:20000].decode("latin-1")
    kind = swift_kind(head)
    if kind:
        return kind
    if data.lstrip()[:1] == b"<" or b"\x00" in data[:4096]:
        # XML that is not camt, or a binary file: nothing Cashloop reads.
        raise DomainError(BankingError.UNKNOWN_FORMAT)
    return StatementFormat.CSV


def parse_statement(
    data: bytes,
    *,
    file_name: str,
    profile: Profile | None,
    encoding: str | None = None,
) -> ParsedStatement:
    """Read a statement file; per-line problems are in `.errors`, a file-wide one raises."""
    if not data.strip():
        raise DomainError(BankingError.FILE_EMPTY)
    kind = detect_format(data)
    if kind in (StatementFormat.CAMT053, StatementFormat.CAMT054):
        return parse_camt(data, kind)
    if kind == StatementFormat.OFX:
        return parse_ofx(data)
    if kind in (StatementFormat.MT940, StatementFormat.MT942):
        # SWIFT is ASCII by the standard; banks put Latin-1 or CP852 names in :86: anyway.
        text, used = decode(data, encoding)
        return parse_swift(text, kind, used)
    if profile is None:
        raise DomainError(BankingError.PROFILE_REQUIRED)
    if kind == StatementFormat.EXCEL:
        if getattr(profile, "file_kind", kind) != kind:
            raise DomainError(BankingError.PROFILE_KIND_MISMATCH, profile=profile.name, kind="CSV")
        return read_table(read_excel(data, file_name), profile, format=kind)
    if getattr(profile, "file_kind", kind) != kind:
        raise DomainError(BankingError.PROFILE_KIND_MISMATCH, profile=profile.name, kind="Excel")
    rows, used = read_csv(data, profile, encoding)
    return read_table(rows, profile, format=kind, encoding=used)
