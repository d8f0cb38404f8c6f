"""Invoices, payments and allocations (核销): worked examples, bad input, verify after each."""

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import CoreError, DomainError
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.receivables.choices import DueRule, InvoiceStatus
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, CustomerBalance, Invoice
from cashloop.receivables.services import (
    InstallmentIn,
    LineIn,
    allocation_create,
    allocation_undo,
    invoice_create,
    invoice_issue,
    invoice_update,
    payment_auto_allocate,
    payment_create,
)
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
DAY = date(2026, 3, 10)


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east, payment_terms_days=30)


@pytest.fixture
def usd_customer(company):
    return CustomerFactory(owner=company.rep_east, currency="USD")


def line(price="1000.00", qty="1", rate="0.13", discount="0", text="软件许可 Software"):
    return LineIn(
        description=text,
        quantity=D(qty),
        unit_price=D(price),
        tax_rate=D(rate),
        discount_percent=D(discount),
    )


def issued(company, customer, lines=None, installments=None, **kwargs):
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=DAY,
        lines=lines or [line()],
        installments=installments,
        **kwargs,
    )
    return invoice_issue(actor=company.finance, invoice_id=draft.pk)


def pay(company, customer, amount, **kwargs):
    return payment_create(
        actor=company.finance,
        customer_id=customer.pk,
        amount=D(amount),
        payment_date=kwargs.pop("payment_date", DAY),
        **kwargs,
    )


def test_draft_totals_are_exact_and_installments_sum_to_the_total(company, customer):
    draft = invoice_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        issue_date=DAY,
        lines=[
            line("333.33", qty="3", discount="10"),  # 999.99 * 0.9 = 899.991 -> 899.99
            line("100.00", rate="0.06"),
            line("50.00", rate="0"),
        ],
        installments=[
            InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=0),
            InstallmentIn(share=D(1), due_rule=DueRule.END_OF_MONTH, due_days=30),
            InstallmentIn(share=D(1), due_rule=DueRule.FIXED_DATE, fixed_date=date(2026, 12, 31)),
        ],
    )
    assert draft.status == InvoiceStatus.DRAFT and draft.number == ""
    assert draft.subtotal == D("1049.99")
    assert draft.tax_total == D("117.00") + D("6.00")  # 899.99*13% = 116.9987 -> 117.00
    assert draft.total == D("1172.99")
    parts = list(draft.installments.values_list("amount", flat=True))
    assert parts == [D("391.00"), D("391.00"), D("390.99")] or sum(parts) == draft.total
    assert sum(parts) == draft.total
    assert list(draft.installments.values_list("due_date", flat=True)) == [
        DAY,
        date(2026, 4, 30),
        date(2026, 12, 31),
    ]
    assert not JournalEntry.objects.exists()  # drafts post nothing
    assert_verified()


def test_issue_numbers_and_posts_ar_revenue_and_vat(company, customer):
    invoice = issued(company, customer)
    assert invoice.number == "INV-2026-000001"
    assert invoice.status == InvoiceStatus.ISSUED
    lines = {
        line.account.role: line.amount
        for line in invoice.journal_entry.lines.select_related("account")
    }
    assert lines == {
        AccountRole.AR: D("1130.00"),
        AccountRole.REVENUE: D("-1000.00"),
        AccountRole.VAT_OUTPUT: D("-130.00"),
    }
    assert CustomerBalance.objects.get(customer=customer).receivable == D("1130.00")
    assert_verified()


def test_an_issued_invoice_is_never_edited_or_issued_twice(company, customer):
    invoice = issued(company, customer)
    for attempt in (
        lambda: invoice_update(actor=company.finance, invoice_id=invoice.pk, memo="x"),
        lambda: invoice_issue(actor=company.finance, invoice_id=invoice.pk),
    ):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code is ReceivableError.NOT_DRAFT
    assert JournalEntry.objects.count() == 1
    assert_verified()


def test_only_finance_issues(company, customer):
    draft = invoice_create(
        actor=company.rep_east, customer_id=customer.pk, issue_date=DAY, lines=[line()]
    )
    with pytest.raises(DomainError) as exc:
        invoice_issue(actor=company.rep_east, invoice_id=draft.pk)
    assert exc.value.code is CoreError.PERMISSION_DENIED
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.DRAFT


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lines": []}, ReceivableError.NO_LINES),
        ({"lines": [line(rate="0.17")]}, ReceivableError.TAX_RATE),
        ({"lines": [line(price="10.001")]}, ReceivableError.TOO_MANY_DECIMALS),
        ({"lines": [line(qty="0")]}, ReceivableError.BAD_LINE),
        ({"lines": [line(price="0")]}, ReceivableError.TOTAL_NOT_POSITIVE),
        ({"lines": [line(discount="100")]}, ReceivableError.BAD_LINE),
        ({"currency": "USD"}, ReceivableError.RATE_REQUIRED),
        ({"currency": "XXX1"}, CoreError.UNKNOWN_CURRENCY),
        ({"installments": [InstallmentIn(share=D(0))]}, ReceivableError.INSTALLMENTS_SUM),
        (
            {
                "installments": [
                    InstallmentIn(due_rule=DueRule.FIXED_DATE, fixed_date=date(2026, 1, 1))
                ]
            },
            ReceivableError.DUE_RULE,
        ),
    ],
)
def test_bad_invoices_are_refused_and_change_nothing(company, customer, kwargs, code):
    with pytest.raises(DomainError) as exc:
        invoice_create(
            actor=company.finance,
            customer_id=customer.pk,
            issue_date=DAY,
            **{"lines": [line()], **kwargs},
        )
    assert exc.value.code is code
    assert not Invoice.objects.exists()
    assert_verified()


def test_a_rep_cannot_invoice_another_reps_customer(company):
    theirs = CustomerFactory(owner=company.rep_south)
    with pytest.raises(DomainError) as exc:
        invoice_create(
            actor=company.rep_east, customer_id=theirs.pk, issue_date=DAY, lines=[line()]
        )
    assert exc.value.code.code == "customer.not_found"


def test_payment_before_any_invoice_is_an_advance(company, customer):
    payment = pay(company, customer, "500.00", bank_reference="B1")
    assert payment.number == "RCV-2026-000001"
    balance = CustomerBalance.objects.get(customer=customer)
    assert (balance.receivable, balance.advance) == (D(0), D("500.00"))
    assert_verified()


def test_partial_then_full_allocation(company, customer):
    invoice = issued(company, customer)
    installment = invoice.installments.get()
    payment = pay(company, customer, "2000.00")
    allocation_create(
        actor=company.finance, payment_id=payment.pk, installment_id=installment.pk, amount=D("130")
    )
    invoice.refresh_from_db()
    assert (invoice.residual, invoice.status) == (D("1000.00"), InvoiceStatus.PARTIALLY_PAID)
    assert_verified()
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=installment.pk,
        amount=D("1000"),
    )
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (invoice.residual, invoice.status) == (D(0), InvoiceStatus.PAID)
    assert payment.unapplied == D("870.00")
    balance = CustomerBalance.objects.get(customer=customer)
    assert (balance.receivable, balance.advance) == (D(0), D("870.00"))
    assert_verified()


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1130.01", ReceivableError.OVER_RESIDUAL),
        ("0", ReceivableError.AMOUNT_NOT_POSITIVE),
        ("-1", ReceivableError.AMOUNT_NOT_POSITIVE),
        ("1.001", ReceivableError.TOO_MANY_DECIMALS),
    ],
)
def test_bad_allocations_are_refused_and_change_nothing(company, customer, amount, code):
    invoice = issued(company, customer)
    payment = pay(company, customer, "5000.00")
    entries = JournalEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        allocation_create(
            actor=company.finance,
            payment_id=payment.pk,
            installment_id=invoice.installments.get().pk,
            amount=D(amount),
        )
    assert exc.value.code is code
    assert JournalEntry.objects.count() == entries and not Allocation.objects.exists()
    assert_verified()


def test_allocation_above_the_unapplied_amount_is_refused(company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "100.00")
    with pytest.raises(DomainError) as exc:
        allocation_create(
            actor=company.finance,
            payment_id=payment.pk,
            installment_id=invoice.installments.get().pk,
            amount=D("100.01"),
        )
    assert exc.value.code is ReceivableError.OVER_UNAPPLIED
    assert_verified()


def test_currency_and_customer_must_match(company, customer, usd_customer):
    invoice = issued(company, customer)
    usd_payment = pay(company, customer, "10.00", currency="USD", rate=D("7.1"))
    with pytest.raises(DomainError) as exc:
        allocation_create(
            actor=company.finance,
            payment_id=usd_payment.pk,
            installment_id=invoice.installments.get().pk,
            amount=D("10"),
        )
    assert exc.value.code is ReceivableError.CURRENCY_MISMATCH
    other = pay(company, usd_customer, "10.00", currency="CNY")
    with pytest.raises(DomainError) as exc:
        allocation_create(
            actor=company.finance,
            payment_id=other.pk,
            installment_id=invoice.installments.get().pk,
            amount=D("10"),
        )
    assert exc.value.code is ReceivableError.CUSTOMER_MISMATCH
    assert not Allocation.objects.exists()
    assert_verified()


def test_auto_allocation_pays_oldest_due_first(company, customer):
    later = issued(
        company, customer, installments=[InstallmentIn(due_days=60)], lines=[line("100.00")]
    )
    sooner = issued(
        company, customer, installments=[InstallmentIn(due_days=10)], lines=[line("100.00")]
    )
    payment = pay(company, customer, "150.00")
    made = payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    assert [a.installment.invoice_id for a in made] == [sooner.pk, later.pk]
    assert [a.amount for a in made] == [D("113.00"), D("37.00")]
    payment.refresh_from_db()
    assert payment.unapplied == 0
    assert_verified()


def test_undo_adds_a_negative_row_and_keeps_history(company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "1130.00")
    allocation = allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=invoice.installments.get().pk,
        amount=D("1130.00"),
    )
    undo = allocation_undo(actor=company.finance, allocation_id=allocation.pk)
    assert undo.amount == D("-1130.00") and undo.undoes == allocation
    invoice.refresh_from_db()
    assert (invoice.residual, invoice.status) == (D("1130.00"), InvoiceStatus.ISSUED)
    assert Allocation.objects.count() == 2
    assert undo.journal_entry.reverses == allocation.journal_entry
    with pytest.raises(DomainError) as exc:
        allocation_undo(actor=company.finance, allocation_id=allocation.pk)
    assert exc.value.code is ReceivableError.ALREADY_UNALLOCATED
    assert_verified()


def test_usd_invoice_paid_at_another_rate_books_the_exchange_difference(company, usd_customer):
    invoice = issued(company, usd_customer, lines=[line("100.00", rate="0")], rate=D("7.00"))
    assert invoice.base_total == D("700.00")
    payment = pay(company, usd_customer, "100.00", currency="USD", rate=D("7.20"))
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=invoice.installments.get().pk,
        amount=D("100.00"),
    )
    fx = JournalLine.objects.get(account__role=AccountRole.FX)
    assert (fx.currency, fx.amount, fx.base_amount) == ("USD", D(0), D("-20.00"))  # a gain
    assert_verified()


def test_foreign_partial_allocations_leave_no_base_rounding_behind(company, usd_customer):
    invoice = issued(
        company,
        usd_customer,
        lines=[line("100.00", rate="0")],
        rate=D("7.1234"),
        installments=[InstallmentIn(share=D(1)), InstallmentIn(share=D(2))],
    )
    payment = pay(company, usd_customer, "100.00", currency="USD", rate=D("6.9876"))
    for inst in invoice.installments.all():
        for part in (D("0.01"), D("0.02"), inst.amount - D("0.03")):
            allocation_create(
                actor=company.finance, payment_id=payment.pk, installment_id=inst.pk, amount=part
            )
    payment.refresh_from_db()
    assert payment.unapplied == 0 and payment.base_unapplied == 0
    assert_verified()


def test_a_draft_can_be_cancelled_an_issued_invoice_cannot(company, customer, client):
    from cashloop.receivables.services import invoice_cancel

    draft = invoice_create(
        actor=company.rep_east, customer_id=customer.pk, issue_date=DAY, lines=[line()]
    )
    client.force_login(company.rep_east)
    response = client.post(f"/api/v1/receivables/invoices/{draft.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Invoice.objects.get(pk=draft.pk).number == ""
    invoice = issued(company, customer)
    with pytest.raises(DomainError) as exc:
        invoice_cancel(actor=company.finance, invoice_id=invoice.pk)
    assert exc.value.code is ReceivableError.NOT_DRAFT
    page = client.post(f"/invoices/{invoice.pk}/cancel/")
    assert page.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED
    assert_verified()


def test_a_drafts_discount_terms_read_back_as_typed(company, customer):
    # 0.33% of 10.00 is 0.03, which reads back as 0.30%: the terms are kept, not derived.
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=DAY,
        lines=[line("10.00", rate="0")],
        installments=[InstallmentIn(discount_percent=D("0.33"), discount_days=7)],
    )
    updated = invoice_update(actor=company.finance, invoice_id=draft.pk, memo="edited")
    (item,) = updated.installments.all()
    assert (item.discount_percent, item.discount_days) == (D("0.33"), 7)
    assert (item.discount_amount, item.discount_until) == (D("0.03"), date(2026, 3, 17))
    moved = invoice_update(actor=company.finance, invoice_id=draft.pk, issue_date=date(2026, 3, 20))
    (item,) = moved.installments.all()
    assert item.discount_until == date(2026, 3, 27)


def test_a_batch_over_many_customers_adds_to_each_balance_once(company):
    from cashloop.receivables.services import (
        FEW_BALANCES,
        InvoiceIn,
        invoice_create_many,
        invoice_issue_many,
    )

    customers = [CustomerFactory(owner=company.rep_east) for _ in range(FEW_BALANCES + 3)]
    first = issued(company, customers[0])  # an existing balance to add to
    drafts = [InvoiceIn(c.pk, DAY, [line(price=f"{100 + n}.00")]) for n, c in enumerate(customers)]
    made = invoice_create_many(actor=company.finance, invoices=[*drafts, drafts[1]])
    invoice_issue_many(actor=company.finance, invoice_ids=[i.pk for i in made])
    balances = {b.customer_id: b.receivable for b in CustomerBalance.objects.all()}
    assert balances[customers[0].pk] == first.total + D("113.00")
    assert balances[customers[1].pk] == 2 * D("114.13")
    assert balances[customers[-1].pk] == D(100 + FEW_BALANCES + 2) * D("1.13")
    assert_verified()
