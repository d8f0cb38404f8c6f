"""journal_entry_post: balanced, exact, idempotent, immutable, and refused when closed.

Worked examples read like textbook cases: an invoice of 1,130.00 with 13% VAT, a USD
settlement with an exchange difference, a reversal.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from cashloop.core.errors import CoreError, DomainError
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import Account, JournalEntry, JournalLine
from cashloop.ledger.services import (
    PostingLine,
    account_for_role,
    accounting_period_close,
    accounting_period_reopen,
    journal_entry_post,
    journal_entry_reverse,
)
from tests.ledger_check import assert_verified

D = Decimal
DAY = date(2026, 3, 15)


def acct(role: AccountRole) -> Account:
    return account_for_role(role)


def invoice_lines(customer_id=None, total="1130.00"):
    net = (D(total) / D("1.13")).quantize(D("0.01"))
    return [
        PostingLine(acct(AccountRole.AR), D(total), "CNY", customer_id=customer_id),
        PostingLine(acct(AccountRole.REVENUE), -net, "CNY"),
        PostingLine(acct(AccountRole.VAT_OUTPUT), -(D(total) - net), "CNY"),
    ]


def post(key="k1", lines=None, entry_date=DAY, actor=None):
    return journal_entry_post(
        actor=actor,
        entry_date=entry_date,
        reason=PostingReason.INVOICE_ISSUE,
        lines=lines or invoice_lines(),
        idempotency_key=key,
    )


def test_invoice_with_vat_posts_dr_ar_cr_revenue_and_vat(db):
    entry = post()
    lines = {line.account.role: line for line in entry.lines.select_related("account")}
    assert lines["ar"].debit == D("1130.00")
    assert lines["revenue"].credit == D("1000.00")
    assert lines["vat_output"].credit == D("130.00")
    assert entry.number == "JE-2026-000001"
    assert_verified()


def test_usd_settlement_books_the_exchange_difference_in_base_currency(db):
    # Invoiced 100 USD at 7.00 (AR 700.00 CNY); paid at 7.20 (bank 720.00 CNY).
    entry = journal_entry_post(
        actor=None,
        entry_date=DAY,
        reason=PostingReason.PAYMENT,
        idempotency_key="fx",
        lines=[
            PostingLine(acct(AccountRole.BANK), D("100.00"), "USD", D("720.00")),
            PostingLine(acct(AccountRole.AR), D("-100.00"), "USD", D("-700.00")),
            PostingLine(acct(AccountRole.FX), D("0"), "USD", D("-20.00"), memo="gain"),
        ],
    )
    assert entry.lines.count() == 3
    assert_verified()


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (lambda: invoice_lines()[:2], LedgerError.UNBALANCED),
        (lambda: invoice_lines()[:1], LedgerError.TOO_FEW_LINES),
        (
            lambda: [
                PostingLine(acct(AccountRole.AR), D("1.005"), "CNY"),
                PostingLine(acct(AccountRole.REVENUE), D("-1.005"), "CNY"),
            ],
            LedgerError.TOO_MANY_DECIMALS,
        ),
        (
            lambda: [
                PostingLine(acct(AccountRole.AR), D("0"), "CNY"),
                PostingLine(acct(AccountRole.REVENUE), D("0"), "CNY"),
            ],
            LedgerError.ZERO_LINE,
        ),
        (
            lambda: [
                PostingLine(acct(AccountRole.AR), D("10"), "USD"),
                PostingLine(acct(AccountRole.REVENUE), D("-10"), "USD"),
            ],
            LedgerError.BASE_AMOUNT_MISSING,
        ),
        (
            lambda: [
                PostingLine(acct(AccountRole.AR), D("10"), "USD", D("70")),
                PostingLine(acct(AccountRole.REVENUE), D("-10"), "USD", D("-71")),
            ],
            LedgerError.UNBALANCED,
        ),
        (
            lambda: [
                PostingLine(acct(AccountRole.AR), D("10"), "CNY", D("11")),
                PostingLine(acct(AccountRole.REVENUE), D("-10"), "CNY", D("-11")),
            ],
            LedgerError.BASE_AMOUNT_MISMATCH,
        ),
    ],
)
def test_bad_entries_are_refused_and_write_nothing(db, lines, code):
    with pytest.raises(DomainError) as exc:
        post(lines=lines())
    assert exc.value.code is code
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()
    assert_verified()


def test_floats_never_enter(db):
    with pytest.raises(TypeError):
        post(
            lines=[
                PostingLine(acct(AccountRole.AR), 1.5, "CNY"),  # type: ignore[arg-type]
                PostingLine(acct(AccountRole.REVENUE), D("-1.5"), "CNY"),
            ]
        )


def test_inactive_and_single_currency_accounts(db):
    ar = acct(AccountRole.AR)
    Account.objects.filter(pk=ar.pk).update(currency="CNY")
    with pytest.raises(DomainError) as exc:
        post(
            lines=[
                PostingLine(Account.objects.get(pk=ar.pk), D("10"), "USD", D("70")),
                PostingLine(acct(AccountRole.REVENUE), D("-10"), "USD", D("-70")),
            ]
        )
    assert exc.value.code is LedgerError.ACCOUNT_CURRENCY
    Account.objects.filter(pk=ar.pk).update(is_active=False)
    with pytest.raises(DomainError) as exc:
        post(
            lines=[
                PostingLine(Account.objects.get(pk=ar.pk), D("1"), "CNY"),
                PostingLine(acct(AccountRole.REVENUE), D("-1"), "CNY"),
            ]
        )
    assert exc.value.code is LedgerError.ACCOUNT_INACTIVE
    assert not JournalEntry.objects.exists()


def test_same_key_same_payload_returns_the_first_entry(db):
    first = post(key="evt-1")
    again = post(key="evt-1")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1 and JournalLine.objects.count() == 3
    assert_verified()


def test_same_key_different_payload_is_a_conflict(db):
    post(key="evt-2")
    with pytest.raises(DomainError) as exc:
        post(key="evt-2", lines=invoice_lines(total="2260.00"))
    assert exc.value.code is LedgerError.IDEMPOTENCY_CONFLICT
    assert exc.value.status == 409
    assert JournalEntry.objects.count() == 1
    assert_verified()


def test_posted_rows_never_change(db):
    entry = post()
    line = entry.lines.first()
    for attempt in (
        entry.save,
        entry.delete,
        line.save,
        line.delete,
        lambda: JournalLine.objects.filter(pk=line.pk).update(amount=1),
        lambda: JournalEntry.objects.all().delete(),
    ):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code is LedgerError.IMMUTABLE
    assert_verified()


@pytest.mark.postgres
def test_database_refuses_changes_and_unbalanced_entries_on_postgres(db):
    entry = post()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journalline SET amount = 1 WHERE entry_id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_journalline WHERE entry_id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypass the service: the deferred trigger still refuses the entry at commit.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        lonely = JournalEntry.objects.create(
            number="X-1", date=DAY, reason="manual", idempotency_key="raw", payload_hash="x"
        )
        JournalLine.objects.create(
            entry=lonely, account=acct(AccountRole.AR), currency="CNY", amount=5, base_amount=5
        )
    assert_verified()


def test_verify_catches_an_entry_written_around_the_service(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's trigger refuses such an entry outright (tested above)")
    lonely = JournalEntry.objects.create(
        number="X-1", date=DAY, reason="manual", idempotency_key="raw", payload_hash="x"
    )
    JournalLine.objects.create(
        entry=lonely, account=acct(AccountRole.AR), currency="CNY", amount=5, base_amount=5
    )
    with pytest.raises(AssertionError, match="X-1"):
        assert_verified()


def test_a_failure_in_the_middle_of_posting_leaves_no_partial_entry(db, monkeypatch):
    from cashloop.ledger import services

    written = services.insert_many

    def explode(instances):
        if isinstance(instances[0], JournalLine):  # after the entries went in
            raise RuntimeError("disk full")
        written(instances)

    monkeypatch.setattr(services, "insert_many", explode)
    with pytest.raises(RuntimeError):
        post()
    monkeypatch.undo()
    assert not JournalEntry.objects.exists()
    assert post().number == "JE-2026-000001"  # the number came back too
    assert_verified()


def test_reversal_mirrors_the_entry_and_happens_once(company):
    entry = post()
    reversal = journal_entry_reverse(actor=company.finance, entry_id=entry.pk, entry_date=DAY)
    assert reversal.reverses == entry
    assert sorted(reversal.lines.values_list("amount", flat=True)) == sorted(
        -a for a in entry.lines.values_list("amount", flat=True)
    )
    with pytest.raises(DomainError) as exc:
        journal_entry_reverse(actor=company.finance, entry_id=entry.pk, entry_date=DAY)
    assert exc.value.code is LedgerError.ALREADY_REVERSED
    assert_verified()


def test_only_finance_reverses(company):
    entry = post()
    with pytest.raises(DomainError) as exc:
        journal_entry_reverse(actor=company.rep_east, entry_id=entry.pk)
    assert exc.value.code is CoreError.PERMISSION_DENIED
    assert not JournalEntry.objects.filter(reverses=entry).exists()


def test_closed_period_takes_no_postings_and_corrections_go_to_the_open_one(company):
    entry = post()
    accounting_period_close(actor=company.finance, year=2026, month=3)
    with pytest.raises(DomainError) as exc:
        post(key="late", entry_date=date(2026, 3, 31))
    assert exc.value.code is LedgerError.PERIOD_CLOSED
    with pytest.raises(DomainError):
        journal_entry_reverse(actor=company.finance, entry_id=entry.pk, entry_date=DAY)
    reversal = journal_entry_reverse(
        actor=company.finance, entry_id=entry.pk, entry_date=date(2026, 4, 1)
    )
    assert reversal.date == date(2026, 4, 1)
    with pytest.raises(DomainError) as exc:
        accounting_period_close(actor=company.rep_east, year=2026, month=4)
    assert exc.value.code is CoreError.PERMISSION_DENIED
    accounting_period_reopen(actor=company.finance, year=2026, month=3)
    assert post(key="late", entry_date=date(2026, 3, 31)).date == date(2026, 3, 31)
    assert_verified()


def test_numbers_restart_each_year(db):
    assert post(key="a", entry_date=date(2025, 12, 31)).number == "JE-2025-000001"
    assert post(key="b", entry_date=date(2026, 1, 1)).number == "JE-2026-000001"
    assert post(key="c", entry_date=date(2026, 1, 2)).number == "JE-2026-000002"
    assert_verified()
