"""Fixtures of the treasury tests: a treasurer, a CNY and a USD bank account on the bank
deposits ledger account, postings through the ledger's one writer, the small book the
forecast tests run on, and a history of customers paying by habit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.banking.models import BankAccount
from cashloop.banking.parsers.base import LineIn
from cashloop.banking.services import bank_account_create, statement_lines_post
from cashloop.customers.models import Customer
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.models import Account
from cashloop.ledger.services import PostingLine, journal_entry_post
from cashloop.receivables.bulkseed import Book
from cashloop.receivables.choices import DueRule
from cashloop.receivables.services import InstallmentIn, invoice_create, invoice_issue
from cashloop.reports.tests.helpers import line_in
from cashloop.treasury.models import BudgetCategory, PlannedItem
from tests.factories import CustomerFactory, UserFactory

D = Decimal


@pytest.fixture
def treasurer(company):
    return UserFactory(username="treasurer", team=None, roles=["treasurer"])


@pytest.fixture
def bank_accounts(company) -> dict[str, BankAccount]:
    ledger = Account.objects.get(role=AccountRole.BANK)
    return {
        currency: bank_account_create(
            actor=company.admin,
            name=f"{currency} account",
            bank="Bank",
            account_number=f"0000 {currency}",
            currency=currency,
            ledger_account_id=ledger.pk,
            # The CNY account's statements cover its life: its lines add up to its balance.
            open_from=date(2025, 1, 1) if currency == "CNY" else None,
        )
        for currency in ("CNY", "USD")
    }


def post(
    account: BankAccount, day: date, amount: str, base: str | None = None, other: str = "4001"
) -> None:
    """Money in (or out, negative) on the bank account's ledger account, against `other`."""
    value = D(amount)
    base_value = D(base) if base is not None else None
    counter = Account.objects.get(code=other)
    journal_entry_post(
        actor=None,
        entry_date=day,
        reason=PostingReason.MANUAL,
        lines=[
            PostingLine(account.ledger_account, value, account.currency, base_value),
            PostingLine(
                counter, -value, account.currency, -base_value if base_value is not None else None
            ),
        ],
        idempotency_key=f"test:{account.pk}:{day}:{amount}:{other}",
    )


def statement(actor, account: BankAccount, *lines: tuple[date, str]) -> None:
    statement_lines_post(
        actor=actor,
        bank_account_id=account.pk,
        lines=[
            LineIn(booking_date=day, amount=D(amount), currency=account.currency, bank_ref=f"{n}")
            for n, (day, amount) in enumerate(lines)
        ],
    )


@pytest.fixture
def book(company, bank_accounts):
    """500,000 in the bank, a customer owing 120,000 due in ten days, rent of 30,000 a
    month planned."""
    today = timezone.localdate()
    post(bank_accounts["CNY"], today - timedelta(days=30), "500000.00")
    customer = CustomerFactory(owner=company.rep_east, name="华东客户")
    # One installment, share 1: the reports' helper takes amounts as shares, and a share
    # holds at most 99,999.9999.
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=today - timedelta(days=20),
        lines=[line_in("120000.00")],
        installments=[
            InstallmentIn(
                share=D(1), due_rule=DueRule.FIXED_DATE, fixed_date=today + timedelta(days=10)
            )
        ],
    )
    invoice_issue(actor=company.finance, invoice_id=draft.pk)
    PlannedItem.objects.create(
        category=BudgetCategory.objects.get(code="rent"),
        description="办公室租金 Office rent",
        amount=D("30000.00"),
        first_date=today + timedelta(days=3),
        frequency="monthly",
        created_by=company.admin,
    )
    return customer


def paid_by_habit(
    company, customers: int, *, seed: int, open_items: int, closed_items: int
) -> None:
    """`customers` customers of rep_east ("客户 00" ...) with a bulk history of invoices,
    paid by each customer's habit (`receivables.bulkseed`)."""
    for n in range(customers):
        CustomerFactory(owner=company.rep_east, currency="CNY", name=f"客户 {n:02d}")
    book = Book(
        list(Customer.objects.values_list("pk", "currency")),
        today=timezone.localdate(),
        seed=seed,
        actor_id=company.finance.pk,
    )
    book.generate(open_items=open_items, closed_items=closed_items)
    book.finish()
