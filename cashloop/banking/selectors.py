"""Reads of bank accounts, import profiles, statement imports and statement lines.

Bank accounts and what hangs off them are company-wide: a role that may view them sees
all of them (finance and treasurer have the ALL scope), anyone else none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from cashloop.banking.errors import BankingError
from cashloop.banking.models import BankAccount, ImportProfile, StatementImport, StatementLine
from cashloop.banking.parsers import ParsedLine
from cashloop.banking.services import ReadStatement, statement_import_read
from cashloop.core.errors import DomainError
from cashloop.core.scoping import ScopedUser, get_scoped, require


def bank_account_list(*, user: ScopedUser, active: bool | None = None) -> QuerySet[BankAccount]:
    require(user, "view", BankAccount)
    rows = BankAccount.objects.restrict(user, "view").select_related("ledger_account", "profile")
    return rows if active is None else rows.filter(active=active)


def bank_account_get(*, user: ScopedUser, bank_account_id: int) -> BankAccount:
    return get_scoped(
        BankAccount.objects.select_related("ledger_account", "profile"),
        user=user,
        action="view",
        pk=bank_account_id,
        not_found=BankingError.ACCOUNT_NOT_FOUND,
    )


def import_profile_list(*, user: ScopedUser) -> QuerySet[ImportProfile]:
    require(user, "view", ImportProfile)
    return ImportProfile.objects.order_by("-builtin", "name")


def import_profile_get(*, user: ScopedUser, profile_id: int) -> ImportProfile:
    require(user, "view", ImportProfile)
    profile = ImportProfile.objects.filter(pk=profile_id).first()
    if profile is None:
        raise DomainError(BankingError.PROFILE_NOT_FOUND)
    return profile


def statement_import_list(
    *, user: ScopedUser, bank_account_id: int | None = None, status: str = ""
) -> QuerySet[StatementImport]:
    require(user, "view", StatementImport)
    rows = StatementImport.objects.restrict(user, "view").select_related(
        "bank_account", "profile", "created_by"
    )
    if bank_account_id:
        rows = rows.filter(bank_account_id=bank_account_id)
    if status:
        rows = rows.filter(status=status)
    return rows


def statement_import_get(*, user: ScopedUser, import_id: int) -> StatementImport:
    return get_scoped(
        StatementImport.objects.select_related("bank_account", "profile", "created_by"),
        user=user,
        action="view",
        pk=import_id,
        not_found=BankingError.IMPORT_NOT_FOUND,
    )


@dataclass
class PreviewLine:
    line: ParsedLine
    duplicate: bool


@dataclass
class Preview:
    read: ReadStatement
    lines: list[PreviewLine]
    total: int


def statement_import_preview_lines(
    *, statement_import: StatementImport, limit: int = 200
) -> Preview:
    """The first lines of a stored preview as they would import, duplicates marked."""
    read = statement_import_read(statement_import)
    checked = read.checked
    lines = [
        PreviewLine(line=line, duplicate=dup)
        for line, dup in zip(checked.lines[:limit], checked.duplicate[:limit], strict=True)
    ]
    return Preview(read=read, lines=lines, total=len(checked.lines))


def statement_line_list(
    *,
    user: ScopedUser,
    bank_account_id: int | None = None,
    import_id: int | None = None,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    q: str = "",
) -> QuerySet[StatementLine]:
    require(user, "view", StatementLine)
    rows = StatementLine.objects.restrict(user, "view").select_related("bank_account")
    if bank_account_id:
        rows = rows.filter(bank_account_id=bank_account_id)
    if import_id:
        rows = rows.filter(statement_import_id=import_id)
    if status:
        rows = rows.filter(status=status)
    if date_from:
        rows = rows.filter(booking_date__gte=date_from)
    if date_to:
        rows = rows.filter(booking_date__lte=date_to)
    if amount_min is not None:
        rows = rows.filter(amount__gte=amount_min)
    if amount_max is not None:
        rows = rows.filter(amount__lte=amount_max)
    if q := q.strip():
        rows = rows.filter(
            Q(payer_name__icontains=q)
            | Q(reference__icontains=q)
            | Q(payer_account__icontains=q.replace(" ", ""))
            | Q(bank_ref__icontains=q)
        )
    return rows
