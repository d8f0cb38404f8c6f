"""Writes of the ledger: post and reverse journal entries, close periods, edit the chart.

`journal_entry_post` is the only function in Cashloop that writes journal lines.  Every
other app that moves money builds its lines and calls it inside its own transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.bulkload import insert_many
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, minor_unit_exponent, to_decimal
from cashloop.core.scoping import require
from cashloop.core.sequences import sequence_next_many
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PeriodStatus, PostingReason
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import Account, AccountingPeriod, JournalEntry, JournalLine

ENTRY_SERIES = "JE"


@dataclass(frozen=True)
class PostingLine:
    """One line to post: debit positive, credit negative.

    `base_amount` may be left out for lines in the base currency; foreign-currency lines
    must give it, converted by the caller at the rate its document records.
    """

    account: Account
    amount: Decimal
    currency: str
    base_amount: Decimal | None = None
    customer_id: int | None = None
    memo: str = ""


@dataclass(frozen=True)
class Posting:
    """One entry to post: what `journal_entry_post` takes, for posting many at once."""

    entry_date: date
    reason: PostingReason
    lines: Sequence[PostingLine]
    idempotency_key: str
    source: models.Model | None = None
    memo: str = ""
    reverses: JournalEntry | None = None


def accounts_for_roles(*roles: AccountRole) -> dict[AccountRole, Account]:
    """The active account of each role (the first by code if finance set several), in one query."""
    found: dict[AccountRole, Account] = {}
    for account in Account.objects.filter(role__in=roles, is_active=True).order_by("-code"):
        found[AccountRole(account.role)] = account
    for role in roles:
        if role not in found:
            raise DomainError(LedgerError.ACCOUNT_ROLE_MISSING, role=role.value)
    return found


def account_for_role(role: AccountRole) -> Account:
    """The active account with `role`."""
    return accounts_for_roles(role)[role]


def _check_decimals(amount: Decimal, currency: str) -> None:
    if amount != amount.quantize(Decimal(1).scaleb(-minor_unit_exponent(currency))):
        raise DomainError(LedgerError.TOO_MANY_DECIMALS, amount=amount, currency=currency)


def _normalised(lines: Sequence[PostingLine], base: str) -> list[PostingLine]:
    if len(lines) < 2:
        raise DomainError(LedgerError.TOO_FEW_LINES)
    result = []
    for line in lines:
        currency = currency_check(line.currency)
        amount = to_decimal(line.amount)
        _check_decimals(amount, currency)
        if line.base_amount is None:
            if currency != base:
                raise DomainError(LedgerError.BASE_AMOUNT_MISSING, currency=currency)
            base_amount = amount
        else:
            base_amount = to_decimal(line.base_amount)
            _check_decimals(base_amount, base)
            if currency == base and base_amount != amount:
                raise DomainError(LedgerError.BASE_AMOUNT_MISMATCH)
        if amount == 0 and (base_amount == 0 or currency == base):
            raise DomainError(LedgerError.ZERO_LINE)
        if not line.account.is_active:
            raise DomainError(LedgerError.ACCOUNT_INACTIVE, account=line.account.code)
        if line.account.currency and line.account.currency != currency:
            raise DomainError(
                LedgerError.ACCOUNT_CURRENCY,
                account=line.account.code,
                allowed=line.account.currency,
                currency=currency,
            )
        result.append(
            PostingLine(
                account=line.account,
                amount=amount,
                currency=currency,
                base_amount=base_amount,
                customer_id=line.customer_id,
                memo=line.memo[:200],
            )
        )
    return result


def _check_balanced(lines: list[PostingLine], base: str) -> None:
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    base_total = Decimal(0)
    for line in lines:
        per_currency[line.currency] += line.amount
        base_total += line.base_amount or Decimal(0)
    for currency, total in sorted(per_currency.items()):
        if total != 0:
            raise DomainError(LedgerError.UNBALANCED, difference=total, currency=currency)
    if base_total != 0:
        raise DomainError(LedgerError.UNBALANCED, difference=base_total, currency=base)


def _payload_hash(
    *, entry_date: date, reason: str, source: tuple[str, str], lines: list[PostingLine]
) -> str:
    payload = {
        "date": entry_date.isoformat(),
        "reason": reason,
        "source": list(source),
        "lines": [
            [
                line.account.code,
                line.currency,
                str(line.amount.normalize()),
                str((line.base_amount or Decimal(0)).normalize()),
                line.customer_id,
            ]
            for line in lines
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _period_check(entry_date: date) -> None:
    """Refuse a closed month; the row stays locked so that no close slips in before commit.

    Postings are already serialised by the entry-number counter, so the lock costs nothing
    more than that does.
    """
    period, _created = AccountingPeriod.objects.select_for_update().get_or_create(
        year=entry_date.year, month=entry_date.month
    )
    if period.status == PeriodStatus.CLOSED:
        raise DomainError(LedgerError.PERIOD_CLOSED, period=str(period))


def _source_of(source: models.Model | None) -> tuple[ContentType | None, str, str]:
    if source is None:
        return None, "", ""
    content_type = ContentType.objects.get_for_model(source, for_concrete_model=True)
    return content_type, str(source.pk), str(source)[:200]


def journal_entry_post(
    *,
    actor: User | None,
    entry_date: date,
    reason: PostingReason,
    lines: Sequence[PostingLine],
    idempotency_key: str,
    source: models.Model | None = None,
    memo: str = "",
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry, or return the entry already posted under the same key.

    The same key with different content is refused (`ledger.idempotency_conflict`), as is
    an unbalanced entry, a line with more decimals than its currency has, an inactive
    account, and a date in a closed period.  Nothing is written when anything is refused.
    """
    posting = Posting(entry_date, reason, lines, idempotency_key, source, memo, reverses)
    return journal_entries_post(actor=actor, postings=[posting])[0]


@dataclass
class _Prepared:
    posting: Posting
    lines: list[PostingLine]
    digest: str
    source_type: ContentType | None
    source_id: str
    source_repr: str


def _prepare(posting: Posting, base: str) -> _Prepared:
    normalised = _normalised(posting.lines, base)
    _check_balanced(normalised, base)
    source_type, source_id, source_repr = _source_of(posting.source)
    digest = _payload_hash(
        entry_date=posting.entry_date,
        reason=str(posting.reason),
        source=(source_type.model if source_type else "", source_id),
        lines=normalised,
    )
    return _Prepared(posting, normalised, digest, source_type, source_id, source_repr)


def _replayed(prepared: _Prepared, existing: JournalEntry) -> JournalEntry:
    if existing.payload_hash != prepared.digest:
        raise DomainError(LedgerError.IDEMPOTENCY_CONFLICT)
    return existing


@transaction.atomic
def journal_entries_post(*, actor: User | None, postings: Sequence[Posting]) -> list[JournalEntry]:
    """Post many entries in one transaction, each as `journal_entry_post` would.

    The cost per entry is a share of a few statements (one look-up of the keys, one lock
    per month and per year's counter, one insert of the entries and one of their lines),
    so batch work such as issuing a month's invoices does not pay a round trip per row.
    Entries are numbered in date order, then in the order given.  Any refusal refuses the
    whole batch.
    """
    base = base_currency()
    prepared = [_prepare(posting, base) for posting in postings]
    keys = [p.posting.idempotency_key for p in prepared]
    found = {
        entry.idempotency_key: entry
        for entry in JournalEntry.objects.filter(idempotency_key__in=set(keys))
    }
    result: dict[str, JournalEntry] = {}
    fresh: dict[str, _Prepared] = {}
    for item in prepared:
        key = item.posting.idempotency_key
        if key in found:
            result[key] = _replayed(item, found[key])
        elif key in fresh:
            if fresh[key].digest != item.digest:
                raise DomainError(LedgerError.IDEMPOTENCY_CONFLICT)
        else:
            fresh[key] = item
    if fresh:
        result.update(_insert(actor, list(fresh.values())))
    return [result[key] for key in keys]


def _insert(actor: User | None, items: list[_Prepared]) -> dict[str, JournalEntry]:
    for year, month in sorted(
        {(i.posting.entry_date.year, i.posting.entry_date.month) for i in items}
    ):
        _period_check(date(year, month, 1))
    items.sort(key=lambda item: item.posting.entry_date)  # stable: keeps the given order
    posted_by = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            numbers: list[str] = []
            for year in sorted({item.posting.entry_date.year for item in items}):
                count = sum(1 for item in items if item.posting.entry_date.year == year)
                numbers += sequence_next_many(series=ENTRY_SERIES, year=year, count=count)
            entries = [
                JournalEntry(
                    number=number,
                    date=item.posting.entry_date,
                    reason=item.posting.reason,
                    memo=item.posting.memo[:500],
                    source_type=item.source_type,
                    source_id=item.source_id,
                    source_repr=item.source_repr,
                    idempotency_key=item.posting.idempotency_key,
                    payload_hash=item.digest,
                    reverses=item.posting.reverses,
                    posted_by=posted_by,
                )
                for number, item in zip(numbers, items, strict=True)
            ]
            insert_many(entries)
    except IntegrityError:
        # A concurrent transaction posted one of the keys (or reversed the same entry)
        # first; the savepoint returned the numbers, so post one by one to learn which.
        if len(items) > 1:
            return {
                item.posting.idempotency_key: _insert(actor, [item])[item.posting.idempotency_key]
                for item in items
            }
        item = items[0]
        raced = JournalEntry.objects.filter(idempotency_key=item.posting.idempotency_key).first()
        if raced is None:
            raise DomainError(LedgerError.ALREADY_REVERSED) from None
        return {item.posting.idempotency_key: _replayed(item, raced)}
    insert_many(
        [
            JournalLine(
                entry=entry,
                account=line.account,
                currency=line.currency,
                amount=line.amount,
                base_amount=line.base_amount,
                customer_id=line.customer_id,
                memo=line.memo,
            )
            for entry, item in zip(entries, items, strict=True)
            for line in item.lines
        ]
    )
    return {entry.idempotency_key: entry for entry in entries}


@transaction.atomic
def journal_entry_reverse(
    *, actor: User, entry_id: int, entry_date: date | None = None, memo: str = ""
) -> JournalEntry:
    """Reverse an entry on request (finance): see `journal_entry_reversal_post`."""
    require(actor, "reverse", JournalEntry)
    # Locked so that two people reversing the same entry queue, and the second is told so.
    original = JournalEntry.objects.select_for_update().filter(pk=entry_id).first()
    if original is None:
        raise DomainError(LedgerError.ENTRY_NOT_FOUND)
    return journal_entry_reversal_post(
        actor=actor, original=original, entry_date=entry_date, memo=memo
    )


@transaction.atomic
def journal_entry_reversal_post(
    *,
    actor: User | None,
    original: JournalEntry,
    entry_date: date | None = None,
    memo: str = "",
    reason: PostingReason = PostingReason.REVERSAL,
) -> JournalEntry:
    """Post the mirror of an entry, linked to it; the original stays as it was.

    For services that undo their own postings (un-allocation); they check their own
    permissions.  The reversal is dated `entry_date` (default today), which must be in an
    open period: corrections of a closed month go into the open one.
    """
    if JournalEntry.objects.filter(reverses=original).exists():
        raise DomainError(LedgerError.ALREADY_REVERSED)
    lines = [
        PostingLine(
            account=line.account,
            amount=-line.amount,
            currency=line.currency,
            base_amount=-line.base_amount,
            customer_id=line.customer_id,
            memo=line.memo,
        )
        for line in original.lines.select_related("account")
    ]
    return journal_entry_post(
        actor=actor,
        entry_date=entry_date or timezone.localdate(),
        reason=reason,
        lines=lines,
        idempotency_key=f"reversal:{original.pk}",
        source=original,
        memo=memo or f"Reversal of {original.number}",
        reverses=original,
    )


def _period_set(*, actor: User, year: int, month: int, status: PeriodStatus) -> AccountingPeriod:
    require(actor, "change", AccountingPeriod)
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise DomainError(CoreError.VALIDATION, details={"month": [f"{year}-{month}"]})
    period, _created = AccountingPeriod.objects.select_for_update().get_or_create(
        year=year, month=month
    )
    before = audit_snapshot(period)
    period.status = status
    period.closed_at = timezone.now() if status == PeriodStatus.CLOSED else None
    period.closed_by = actor if status == PeriodStatus.CLOSED else None
    full_clean_or_raise(period)
    period.save()
    audit_record(actor=actor, instance=period, action=AuditAction.UPDATE, before=before)
    return period


@transaction.atomic
def accounting_period_close(*, actor: User, year: int, month: int) -> AccountingPeriod:
    """Close a month: no entry dated in it can be posted any more."""
    return _period_set(actor=actor, year=year, month=month, status=PeriodStatus.CLOSED)


@transaction.atomic
def accounting_period_reopen(*, actor: User, year: int, month: int) -> AccountingPeriod:
    return _period_set(actor=actor, year=year, month=month, status=PeriodStatus.OPEN)


ACCOUNT_FIELDS = frozenset(
    {"code", "name_zh", "name_en", "type", "role", "parent_id", "currency", "is_active"}
)


@transaction.atomic
def account_create(*, actor: User, **fields: Any) -> Account:
    """Add an account to the chart (finance)."""
    require(actor, "add", Account)
    account = Account(**{k: v for k, v in fields.items() if k in ACCOUNT_FIELDS})
    if account.currency:
        account.currency = currency_check(account.currency)
    if Account.objects.filter(code=account.code).exists():
        raise DomainError(LedgerError.ACCOUNT_CODE_TAKEN, code=account.code)
    full_clean_or_raise(account)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # a concurrent create took the code first
        raise DomainError(LedgerError.ACCOUNT_CODE_TAKEN, code=account.code) from exc
    audit_record(actor=actor, instance=account, action=AuditAction.CREATE)
    return account


@transaction.atomic
def account_update(*, actor: User, account_id: int, **fields: Any) -> Account:
    """Change an account's names, role, currency rule, activity or parent (finance).

    The code and the type stay as created: entries already posted read them.  An account
    cannot move under itself or one of its sub-accounts, and cannot be limited to one
    currency while it holds lines in another.
    """
    require(actor, "change", Account)
    editable = {"name_zh", "name_en", "role", "parent_id", "currency", "is_active"}
    for field in fields:
        if field not in editable:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field)
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise DomainError(CoreError.NOT_FOUND)
    before = audit_snapshot(account)
    for field, value in fields.items():
        if field in ("role", "currency") and value is None:
            value = ""
        if field == "currency" and value:
            value = currency_check(value)
        setattr(account, field, value)
    parent_id = account.parent_id
    seen = {account.pk}
    while parent_id is not None:
        if parent_id in seen:
            raise DomainError(
                CoreError.VALIDATION,
                details={"parent": [_("An account cannot sit under itself or its sub-accounts.")]},
            )
        seen.add(parent_id)
        parent_id = Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    if account.currency and (
        JournalLine.objects.filter(account=account).exclude(currency=account.currency).exists()
    ):
        raise DomainError(
            CoreError.VALIDATION,
            details={"currency": [_("The account already holds lines in other currencies.")]},
        )
    full_clean_or_raise(account)
    account.save()
    audit_record(actor=actor, instance=account, action=AuditAction.UPDATE, before=before)
    return account
