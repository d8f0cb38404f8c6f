"""Writes of bank accounts, import profiles, statement imports and posted statement lines.

A statement file is imported in two steps: `statement_import_preview` reads it, stores it
and says what it found (lines, duplicates, errors with line numbers, whether the balances
add up) without creating a line; `statement_import_commit` then creates the lines in one
transaction.  Every line has a fingerprint (`line_fingerprint`) unique per bank account,
so the same file, an overlapping one or a bank connection posting again never creates a
line twice.  The preview stores the file, and the commit reads it again rather than
trusting what the browser sends back.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.banking.choices import ImportStatus, LineStatus, StatementFormat
from cashloop.banking.errors import BankingError
from cashloop.banking.models import BankAccount, ImportProfile, StatementImport, StatementLine
from cashloop.banking.parsers import LineCode, LineIn, ParsedLine, ParseError, parse_statement
from cashloop.banking.parsers.tabular import mapping_problems
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import currency_check, quantize
from cashloop.core.scoping import get_scoped, require
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, AccountType
from cashloop.ledger.models import Account

MAX_FILE_BYTES = 20 * 1024 * 1024

BANK_ACCOUNT_FIELDS = frozenset(
    {
        "name",
        "bank",
        "account_number",
        "iban",
        "bic",
        "currency",
        "ledger_account_id",
        "profile_id",
        "open_from",
        "active",
    }
)
PROFILE_FIELDS = frozenset(
    {
        "name",
        "file_kind",
        "encoding",
        "delimiter",
        "header_contains",
        "footer_contains",
        "direction_in",
        "direction_out",
        "columns",
        "date_format",
        "decimal_comma",
    }
)


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in changes:
        if name not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=name)


# Bank accounts ----------------------------------------------------------------------------


def _bank_ledger_account(ledger_account_id: int) -> Account:
    """An active asset account of the bank deposits role, or one filed under it (1002.01)."""
    account = (
        Account.objects.select_related("parent")
        .filter(pk=ledger_account_id, is_active=True, type=AccountType.ASSET)
        .first()
    )
    if account is None or AccountRole.BANK not in (
        account.role,
        account.parent.role if account.parent else "",
    ):
        raise DomainError(BankingError.NOT_A_BANK_LEDGER_ACCOUNT)
    return account


def _number_taken(number: str, exclude_pk: int | None = None) -> None:
    taken = BankAccount.objects.filter(account_number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DomainError(BankingError.ACCOUNT_NUMBER_TAKEN, number=number)


@transaction.atomic
def bank_account_create(
    *,
    actor: User,
    name: str,
    bank: str,
    account_number: str,
    currency: str,
    ledger_account_id: int,
    iban: str = "",
    bic: str = "",
    profile_id: int | None = None,
    open_from: date | None = None,
    active: bool = True,
) -> BankAccount:
    """Add a company bank account whose money sits on a bank deposits ledger account."""
    require(actor, "add", BankAccount)
    account = BankAccount(
        name=name.strip(),
        bank=bank.strip(),
        account_number=account_number.strip(),
        iban=iban.replace(" ", "").upper(),
        bic=bic.strip().upper(),
        currency=currency_check(currency),
        ledger_account=_bank_ledger_account(ledger_account_id),
        profile=_profile(profile_id) if profile_id else None,
        open_from=open_from,
        active=active,
    )
    full_clean_or_raise(account, exclude=("ledger_account", "profile"))
    _number_taken(account.account_number)
    account.save()
    audit_record(actor=actor, instance=account, action=AuditAction.CREATE)
    return account


@transaction.atomic
def bank_account_update(
    *, actor: User, bank_account_id: int, changes: Mapping[str, Any]
) -> BankAccount:
    """Change some fields of a bank account; its currency only while it has no lines."""
    _check_fields(changes, BANK_ACCOUNT_FIELDS)
    account = get_scoped(
        BankAccount.objects.all(),
        user=actor,
        action="change",
        pk=bank_account_id,
        lock=True,
        not_found=BankingError.ACCOUNT_NOT_FOUND,
    )
    before = audit_snapshot(account)
    for name, value in changes.items():
        if name == "ledger_account_id":
            account.ledger_account = _bank_ledger_account(value)
        elif name == "profile_id":
            account.profile = _profile(value) if value else None
        elif name == "currency":
            account.currency = currency_check(value)
        elif name in ("name", "bank", "account_number", "bic"):
            setattr(account, name, (value or "").strip())
        elif name == "iban":
            account.iban = (value or "").replace(" ", "").upper()
        else:
            setattr(account, name, value)
    full_clean_or_raise(account, exclude=("ledger_account", "profile"))
    _number_taken(account.account_number, exclude_pk=account.pk)
    if "currency" in changes and before["currency"] != account.currency and account.lines.exists():
        raise DomainError(
            CoreError.VALIDATION,
            details={
                "currency": [
                    _("The account already has statement lines in %(currency)s.")
                    % {"currency": before["currency"]}
                ]
            },
        )
    account.save()
    audit_record(actor=actor, instance=account, action=AuditAction.UPDATE, before=before)
    return account


# Import profiles --------------------------------------------------------------------------


def _profile(profile_id: int) -> ImportProfile:
    try:
        return ImportProfile.objects.get(pk=profile_id)
    except (ImportProfile.DoesNotExist, ValueError, TypeError):
        raise DomainError(BankingError.PROFILE_NOT_FOUND) from None


def _check_mapping(profile: ImportProfile) -> None:
    if not isinstance(profile.columns, dict):
        raise DomainError(BankingError.PROFILE_COLUMNS_INVALID, reason=_("not a mapping"))
    problems = mapping_problems(profile.columns)
    if profile.columns.get("direction") and not (profile.direction_in and profile.direction_out):
        problems.append(_("a direction column needs the values of money in and out"))
    if problems:
        raise DomainError(BankingError.PROFILE_COLUMNS_INVALID, reason="; ".join(problems))


def _save_profile(profile: ImportProfile) -> None:
    full_clean_or_raise(profile, exclude=("created_by",))
    _check_mapping(profile)
    if ImportProfile.objects.filter(code=profile.code).exclude(pk=profile.pk).exists():
        raise DomainError(BankingError.PROFILE_CODE_TAKEN, code=profile.code)
    profile.save()


@transaction.atomic
def import_profile_create(
    *, actor: User, code: str, name: str, columns: Mapping[str, Any], **fields: Any
) -> ImportProfile:
    """A company's own profile: how its bank's CSV or Excel exports are read."""
    require(actor, "add", ImportProfile)
    _check_fields(fields, PROFILE_FIELDS)
    profile = ImportProfile(
        code=code, name=name, columns=dict(columns), builtin=False, created_by=actor, **fields
    )
    _save_profile(profile)
    audit_record(actor=actor, instance=profile, action=AuditAction.CREATE)
    return profile


@transaction.atomic
def import_profile_copy(*, actor: User, profile_id: int, code: str, name: str) -> ImportProfile:
    """A changeable copy of a profile, typically of a built-in one."""
    require(actor, "add", ImportProfile)
    source = _profile(profile_id)
    fields = {name: getattr(source, name) for name in PROFILE_FIELDS - {"name", "columns"}}
    return import_profile_create(
        actor=actor, code=code, name=name, columns=dict(source.columns), **fields
    )


@transaction.atomic
def import_profile_update(
    *, actor: User, profile_id: int, changes: Mapping[str, Any]
) -> ImportProfile:
    """Change a company's own profile; built-in ones are refused (copy them)."""
    require(actor, "change", ImportProfile)
    _check_fields(changes, PROFILE_FIELDS)
    profile = ImportProfile.objects.select_for_update().filter(pk=profile_id).first()
    if profile is None:
        raise DomainError(BankingError.PROFILE_NOT_FOUND)
    if profile.builtin:
        raise DomainError(BankingError.PROFILE_BUILTIN)
    before = audit_snapshot(profile)
    for name, value in changes.items():
        setattr(profile, name, dict(value) if name == "columns" else value)
    _save_profile(profile)
    audit_record(actor=actor, instance=profile, action=AuditAction.UPDATE, before=before)
    return profile


# Fingerprints and checks ------------------------------------------------------------------


_NOT_ALNUM = re.compile(r"[\W_]+")


def _fingerprint_text(text: str) -> str:
    # Deliberately not the matching engine's normal forms: a fingerprint must never change,
    # or lines imported before the change would import again.
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text or "").upper())


def line_fingerprints(bank_account_id: int, lines: Sequence[ParsedLine]) -> list[str]:
    """A stable sha256 per line: the same money movement gives the same fingerprint.

    Account, booking date, amount and currency, and the bank's own id when the line has
    one; else the reference, payer account and payer name.  Identical lines in one file
    (two real payments of 100 from the same payer on one day) are told apart by their
    occurrence among them, so both import, and re-importing the file imports neither.
    """
    seen: Counter[tuple[str, ...]] = Counter()
    result = []
    for line in lines:
        key: tuple[str, ...] = (
            str(bank_account_id),
            line.booking_date.isoformat(),
            str(quantize(line.amount, line.currency)),
            line.currency,
        )
        if line.bank_ref:
            key += ("ref", _fingerprint_text(line.bank_ref))
        else:
            key += (
                "text",
                _fingerprint_text(line.reference),
                _fingerprint_text(line.payer_account),
                _fingerprint_text(line.payer_name),
            )
        occurrence = seen[key]
        seen[key] += 1
        result.append(hashlib.sha256("\x1f".join((*key, str(occurrence))).encode()).hexdigest())
    return result


@dataclass
class CheckedLines:
    """A file's lines as the account sees them: valid ones with fingerprints, and errors."""

    lines: list[ParsedLine] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    duplicate: list[bool] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    @property
    def fresh(self) -> list[tuple[ParsedLine, str]]:
        return [
            (line, fp)
            for line, fp, dup in zip(self.lines, self.fingerprints, self.duplicate, strict=True)
            if not dup
        ]


def check_lines(account: BankAccount, lines: Sequence[ParsedLine]) -> CheckedLines:
    """Refuse lines in another currency or before the account's open date; find duplicates."""
    checked = CheckedLines()
    for line in lines:
        line.currency = (line.currency or account.currency).upper()
        if line.currency != account.currency:
            checked.errors.append(
                ParseError(
                    line.line,
                    LineCode.OTHER_CURRENCY,
                    _("The line is in %(line)s; the account holds %(account)s.")
                    % {"line": line.currency, "account": account.currency},
                )
            )
        elif account.open_from and line.booking_date < account.open_from:
            checked.errors.append(
                ParseError(
                    line.line,
                    LineCode.BEFORE_OPEN,
                    _("The line is dated %(date)s, before the account opened on %(open)s.")
                    % {"date": line.booking_date, "open": account.open_from},
                )
            )
        else:
            checked.lines.append(line)
    checked.fingerprints = line_fingerprints(account.pk, checked.lines)
    existing = _existing(account.pk, checked.fingerprints)
    checked.duplicate = [fp in existing for fp in checked.fingerprints]
    return checked


def _existing(bank_account_id: int, fingerprints: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(fingerprints), 5000):
        found.update(
            StatementLine.objects.filter(
                bank_account_id=bank_account_id,
                fingerprint__in=fingerprints[start : start + 5000],
            ).values_list("fingerprint", flat=True)
        )
    return found


# Statement imports ------------------------------------------------------------------------


def _account_for_import(actor: User, bank_account_id: int, *, lock: bool = False) -> BankAccount:
    # The profile is an outer join, which FOR UPDATE refuses on PostgreSQL.
    rows = BankAccount.objects.all() if lock else BankAccount.objects.select_related("profile")
    account = get_scoped(
        rows,
        user=actor,
        action="view",
        pk=bank_account_id,
        lock=lock,
        not_found=BankingError.ACCOUNT_NOT_FOUND,
    )
    if not account.active:
        raise DomainError(BankingError.ACCOUNT_INACTIVE)
    return account


@dataclass
class ReadStatement:
    format: str
    encoding: str
    checked: CheckedLines
    errors: list[ParseError]
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    balance_difference: Decimal | None
    period_start: date | None
    period_end: date | None


def statement_read(
    *,
    account: BankAccount,
    data: bytes,
    file_name: str,
    profile: ImportProfile | None,
    encoding: str | None,
) -> ReadStatement:
    """Parse a file and check its lines against the account (used by preview and commit)."""
    parsed = parse_statement(data, file_name=file_name, profile=profile, encoding=encoding)
    checked = check_lines(account, parsed.lines)
    errors = sorted([*parsed.errors, *checked.errors], key=lambda e: e.line)
    return ReadStatement(
        format=parsed.format,
        encoding=parsed.encoding,
        checked=checked,
        errors=errors,
        opening_balance=parsed.opening_balance,
        closing_balance=parsed.closing_balance,
        balance_difference=parsed.balance_difference,
        period_start=parsed.period_start,
        period_end=parsed.period_end,
    )


@transaction.atomic
def statement_import_preview(
    *,
    actor: User,
    bank_account_id: int,
    file_name: str,
    data: bytes,
    profile_id: int | None = None,
    encoding: str | None = None,
) -> StatementImport:
    """Read and store a statement file without importing it: what would be imported.

    A file Cashloop cannot read at all is refused (and not stored); a readable one is
    stored with its counts, line errors and balance check, status PREVIEW.
    """
    require(actor, "add", StatementImport)
    account = _account_for_import(actor, bank_account_id)
    if not data:
        raise DomainError(BankingError.FILE_EMPTY)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(BankingError.FILE_TOO_LARGE, limit=MAX_FILE_BYTES // 1024 // 1024)
    profile = _profile(profile_id) if profile_id else account.profile
    read = statement_read(
        account=account, data=data, file_name=file_name, profile=profile, encoding=encoding
    )
    duplicates = sum(read.checked.duplicate)
    statement_import = StatementImport(
        bank_account=account,
        format=read.format,
        profile=profile if read.format in (StatementFormat.CSV, StatementFormat.EXCEL) else None,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        # The encoding chosen, or none: the commit detects it again exactly as here.
        encoding=(encoding or "")[:20],
        status=ImportStatus.PREVIEW,
        found=len(read.checked.lines) + len(read.errors),
        duplicates=duplicates,
        errors=[error.as_dict() for error in read.errors],
        opening_balance=read.opening_balance,
        closing_balance=read.closing_balance,
        balance_difference=read.balance_difference,
        period_start=read.period_start,
        period_end=read.period_end,
        created_by=actor,
    )
    statement_import.file.save(file_name or "statement", ContentFile(data), save=False)
    statement_import.save()
    audit_record(actor=actor, instance=statement_import, action=AuditAction.CREATE)
    return statement_import


def statement_import_read(statement_import: StatementImport) -> ReadStatement:
    """Read a stored import's file again, as its preview did."""
    with statement_import.file.open("rb") as handle:
        data = handle.read()
    return statement_read(
        account=statement_import.bank_account,
        data=data,
        file_name=statement_import.file_name,
        profile=statement_import.profile,
        encoding=statement_import.encoding or None,
    )


def _import_for_change(actor: User, import_id: int) -> StatementImport:
    return get_scoped(
        StatementImport.objects.select_related("bank_account"),
        user=actor,
        action="add",
        pk=import_id,
        lock=True,
        not_found=BankingError.IMPORT_NOT_FOUND,
    )


@transaction.atomic
def statement_import_commit(
    *, actor: User, import_id: int, valid_only: bool = False
) -> StatementImport:
    """Create the previewed file's new lines, all or none; committing twice changes nothing.

    A file with line errors is refused unless `valid_only` says to import the others.
    """
    statement_import = _import_for_change(actor, import_id)
    if statement_import.status == ImportStatus.IMPORTED:
        return statement_import
    if statement_import.status != ImportStatus.PREVIEW:
        raise DomainError(
            BankingError.IMPORT_NOT_PREVIEW, status=statement_import.get_status_display()
        )
    # One import at a time per account: two overlapping files committed at once would
    # both find a line new.
    account = _account_for_import(actor, statement_import.bank_account_id, lock=True)
    statement_import.bank_account = account
    read = statement_import_read(statement_import)
    if read.errors and not valid_only:
        raise DomainError(BankingError.IMPORT_HAS_ERRORS, count=len(read.errors))
    if not read.checked.lines:
        raise DomainError(BankingError.IMPORT_NOTHING_VALID)
    before = audit_snapshot(statement_import)
    created = _lines_create(account, statement_import, read.checked.fresh)
    statement_import.status = ImportStatus.IMPORTED
    statement_import.imported = len(created)
    statement_import.duplicates = len(read.checked.lines) - len(created)
    statement_import.errors = [error.as_dict() for error in read.errors]
    statement_import.committed_at = timezone.now()
    statement_import.save()
    audit_record(actor=actor, instance=statement_import, action=AuditAction.UPDATE, before=before)
    _auto_match_on_commit(actor, created)
    return statement_import


def _auto_match_on_commit(actor: User, lines: Sequence[StatementLine]) -> None:
    """Once the lines are in, let the matching engine recognise what it is sure of."""
    from cashloop.banking.tasks import statement_lines_auto_match

    ids = [line.pk for line in lines if line.amount > 0]
    if ids:
        transaction.on_commit(lambda: statement_lines_auto_match.enqueue(ids, actor.pk))


def _lines_create(
    account: BankAccount,
    statement_import: StatementImport | None,
    fresh: Sequence[tuple[ParsedLine, str]],
) -> list[StatementLine]:
    rows = [
        StatementLine(
            bank_account=account,
            statement_import=statement_import,
            sequence=line.line,
            booking_date=line.booking_date,
            value_date=line.value_date,
            amount=quantize(line.amount, line.currency),
            currency=line.currency,
            payer_name=line.payer_name[:200],
            payer_account=line.payer_account[:60],
            reference=line.reference,
            bank_ref=line.bank_ref[:100],
            raw=line.raw,
            fingerprint=fingerprint,
            status=LineStatus.OUTGOING if line.amount < 0 else LineStatus.UNMATCHED,
        )
        for line, fingerprint in fresh
    ]
    try:
        with transaction.atomic():
            return StatementLine.objects.bulk_create(rows, batch_size=2000)
    except IntegrityError as exc:
        # Another import of the same lines committed meanwhile (the lock makes it rare).
        raise DomainError(CoreError.CONFLICT) from exc


@transaction.atomic
def statement_import_discard(*, actor: User, import_id: int) -> StatementImport:
    """Drop a preview: its stored file is deleted, its record stays in the history."""
    statement_import = _import_for_change(actor, import_id)
    if statement_import.status == ImportStatus.DISCARDED:
        return statement_import
    if statement_import.status != ImportStatus.PREVIEW:
        raise DomainError(
            BankingError.IMPORT_NOT_PREVIEW, status=statement_import.get_status_display()
        )
    before = audit_snapshot(statement_import)
    statement_import.status = ImportStatus.DISCARDED
    stored = statement_import.file.name
    statement_import.file = ""
    statement_import.save()
    if stored:
        storage = statement_import.file.storage
        transaction.on_commit(lambda: storage.delete(stored))
    audit_record(actor=actor, instance=statement_import, action=AuditAction.UPDATE, before=before)
    return statement_import


# Lines posted by bank connections ---------------------------------------------------------


@dataclass
class PostedLine:
    index: int
    created: bool
    line: StatementLine


@transaction.atomic
def statement_lines_post(
    *, actor: User, bank_account_id: int, lines: Sequence[LineIn]
) -> tuple[StatementImport | None, list[PostedLine]]:
    """Lines from a bank connection: new ones created, ones seen before answered as such.

    All or nothing: a line in another currency or before the account opened refuses the
    call with each bad line's index.  The new lines are one import of format API.
    """
    require(actor, "add", StatementLine)
    require(actor, "add", StatementImport)
    if not lines:
        raise DomainError(BankingError.LINES_EMPTY)
    account = _account_for_import(actor, bank_account_id, lock=True)
    parsed = [
        ParsedLine(
            line=index,
            booking_date=item.booking_date,
            value_date=item.value_date,
            amount=item.amount,
            currency=(item.currency or account.currency).upper(),
            payer_name=item.payer_name.strip(),
            payer_account=item.payer_account.replace(" ", ""),
            reference=" ".join(item.reference.split()),
            bank_ref=item.bank_ref.strip(),
            raw=dict(item.raw),
        )
        for index, item in enumerate(lines)
    ]
    checked = check_lines(account, parsed)
    if checked.errors:
        raise DomainError(
            BankingError.LINES_INVALID,
            count=len(checked.errors),
            details={"lines": [error.as_dict() for error in checked.errors]},
        )
    fresh = checked.fresh
    statement_import = None
    created: list[StatementLine] = []
    if fresh:
        statement_import = StatementImport.objects.create(
            bank_account=account,
            format=StatementFormat.API,
            status=ImportStatus.IMPORTED,
            found=len(parsed),
            duplicates=len(parsed) - len(fresh),
            imported=len(fresh),
            period_start=min(line.booking_date for line in parsed),
            period_end=max(line.booking_date for line in parsed),
            created_by=actor,
            committed_at=timezone.now(),
        )
        audit_record(actor=actor, instance=statement_import, action=AuditAction.CREATE)
        created = _lines_create(account, statement_import, fresh)
        _auto_match_on_commit(actor, created)
    by_fingerprint = {line.fingerprint: line for line in created}
    seen = StatementLine.objects.filter(
        bank_account=account,
        fingerprint__in=[
            fp for fp, dup in zip(checked.fingerprints, checked.duplicate, strict=True) if dup
        ],
    )
    old = {line.fingerprint: line for line in seen}
    answers = [
        PostedLine(
            index=line.line,
            created=fingerprint in by_fingerprint,
            line=by_fingerprint.get(fingerprint) or old[fingerprint],
        )
        for line, fingerprint in zip(checked.lines, checked.fingerprints, strict=True)
    ]
    return statement_import, answers
