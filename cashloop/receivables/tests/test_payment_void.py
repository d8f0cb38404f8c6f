"""Voiding a payment recorded in error (decision 046): a state of the payment, not a refund.

The payment keeps its number, its entry is reversed, nothing of it is an advance any more,
and nothing can be applied or refunded from it; every figure that sums payments (verify,
aging as of a date, collected, the statement of account, the customer's money) agrees.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.ledger.choices import PostingReason
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.ledger.services import journal_entry_reversal_post
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, CustomerBalance, Payment, Refund
from cashloop.receivables.selectors import customer_money
from cashloop.receivables.services import (
    allocation_create,
    allocation_undo,
    payment_auto_allocate,
    payment_refund,
    payment_void,
)
from cashloop.receivables.statement import statement_get
from cashloop.receivables.tests.test_services import DAY, issued, pay
from cashloop.receivables.verify import credits_match_their_rows
from cashloop.reports.selectors import AgingParams, aging_summary, ar_kpis
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1/receivables"
VOID_DAY = DAY + timedelta(days=5)


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east, payment_terms_days=30)


def advance(customer):
    row = CustomerBalance.objects.filter(customer=customer).first()
    return row.advance if row else D(0)


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def state():
    """What a refusal must leave as it was."""
    return (
        sorted(Payment.objects.values_list("pk", "unapplied", "voided_on", "void_entry_id")),
        Allocation.objects.count(),
        Refund.objects.count(),
        sorted(CustomerBalance.objects.values_list("receivable", "advance")),
        JournalEntry.objects.count(),
        AuditEntry.objects.count(),
    )


def void(company, payment, on=VOID_DAY, memo="statement line 7 unmatched"):
    return payment_void(actor=company.finance, payment_id=payment.pk, void_date=on, memo=memo)


def test_void_reverses_the_entry_and_marks_the_payment(company, customer):
    payment = pay(company, customer, "500.00")
    assert advance(customer) == D("500.00")
    voided = void(company, payment)
    assert isinstance(voided, Payment) and voided.pk == payment.pk
    payment.refresh_from_db()
    assert (payment.number, payment.voided_on, payment.void_memo) == (
        "RCV-2026-000001",
        VOID_DAY,
        "statement line 7 unmatched",
    )
    assert payment.is_voided and payment.unapplied == 0 and payment.base_unapplied == 0
    assert payment.void_entry.reverses_id == payment.journal_entry_id
    assert payment.void_entry.reason == PostingReason.PAYMENT
    assert payment.void_entry.date == VOID_DAY
    # No money went back: no refund row, and the bank is debited and credited once each.
    assert not Refund.objects.exists()
    bank = JournalLine.objects.filter(
        entry__in=[payment.journal_entry, payment.void_entry], account__role="bank"
    )
    assert sorted(bank.values_list("amount", flat=True)) == [D("-500.00"), D("500.00")]
    assert advance(customer) == 0
    audit = (
        AuditEntry.objects.filter(
            object_type=ContentType.objects.get_for_model(Payment), object_id=str(payment.pk)
        )
        .order_by("pk")
        .last()
    )
    assert audit is not None and audit.action == "update"
    assert_verified()


def test_a_void_date_before_the_payment_takes_the_payment_date(company, customer):
    payment = pay(company, customer, "10.00")
    void(company, payment, on=DAY - timedelta(days=3))
    payment.refresh_from_db()
    assert payment.voided_on == DAY == payment.void_entry.date
    assert_verified()


def test_voiding_twice_is_refused_and_changes_nothing(company, customer):
    payment = pay(company, customer, "500.00")
    void(company, payment)
    before = state()
    error = refused(
        ReceivableError.ALREADY_VOIDED,
        payment_void,
        actor=company.finance,
        payment_id=payment.pk,
        void_date=VOID_DAY,
    )
    assert error.code.status == 409
    assert state() == before
    assert_verified()


def test_a_payment_applied_or_refunded_is_not_voided(company, customer):
    invoice = issued(company, customer)  # 1,130.00
    payment = pay(company, customer, "500.00")
    allocation = allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=invoice.installments.get().pk,
        amount=D("100.00"),
        allocation_date=DAY,
    )
    before = state()
    refused(
        ReceivableError.OVER_UNAPPLIED,
        payment_void,
        actor=company.finance,
        payment_id=payment.pk,
        void_date=VOID_DAY,
    )
    assert state() == before
    allocation_undo(actor=company.finance, allocation_id=allocation.pk)
    payment_refund(actor=company.finance, payment_id=payment.pk, amount=D("1.00"), refund_date=DAY)
    before = state()
    refused(
        ReceivableError.OVER_UNAPPLIED,
        payment_void,
        actor=company.finance,
        payment_id=payment.pk,
        void_date=VOID_DAY,
    )
    assert state() == before
    assert_verified()


def test_a_voided_payment_is_neither_allocated_nor_refunded(company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "500.00")
    void(company, payment)
    before = state()
    installment = invoice.installments.get()
    for call, kwargs in [
        (
            allocation_create,
            {"installment_id": installment.pk, "amount": D("1.00"), "allocation_date": VOID_DAY},
        ),
        (payment_auto_allocate, {"allocation_date": VOID_DAY}),
        (payment_refund, {"amount": D("1.00"), "refund_date": VOID_DAY}),
    ]:
        refused(
            ReceivableError.PAYMENT_VOIDED,
            call,
            actor=company.finance,
            payment_id=payment.pk,
            **kwargs,
        )
    assert state() == before
    assert_verified()


def test_figures_that_sum_payments_leave_a_voided_one_out(company, customer):
    issued(company, customer)  # 1,130.00 owed
    kept = pay(company, customer, "200.00")
    voided = pay(company, customer, "500.00")
    void(company, voided)
    assert advance(customer) == D("200.00")

    def aging(on, fast=None):
        summary = aging_summary(
            user=company.finance,
            params=AgingParams(as_of=on, customer_id=customer.pk),
            from_stored=fast,
        )
        return summary.rows[0].advance

    # As of a day before the void the payment was an advance; from the void on it is not.
    assert aging(VOID_DAY - timedelta(days=1)) == D("700.00")
    assert aging(VOID_DAY) == D("200.00")
    today = timezone.localdate()
    assert aging(today, fast=False) == aging(today, fast=True) == D("200.00")
    # "Collected" in the month counts what stayed received by the date asked.
    params = AgingParams(as_of=VOID_DAY - timedelta(days=1))
    assert ar_kpis(user=company.finance, params=params).collected == D("700.00")
    params = AgingParams(as_of=VOID_DAY + timedelta(days=1))
    assert ar_kpis(user=company.finance, params=params).collected == D("200.00")
    # The customer's money lists only the payment there is still to apply.
    money = customer_money(user=company.finance, customer=customer)
    assert money is not None and [p.pk for p in money.payments] == [kept.pk]
    # The statement takes the payment back on the day it was voided.
    with translation.override("en"):
        statement = statement_get(
            user=company.finance, customer_id=customer.pk, start=DAY, end=VOID_DAY
        )
        assert [(line.kind, line.number, line.debit, line.credit) for line in statement.lines][
            -1
        ] == ("Payment voided", voided.number, D("500.00"), D(0))
    assert statement.closing == D("930.00")
    assert_verified()


def test_verify_catches_a_void_that_does_not_add_up(company, customer):
    payment = pay(company, customer, "500.00")
    other = pay(company, customer, "30.00")
    void(company, payment)
    assert credits_match_their_rows().problems == []
    Payment.objects.filter(pk=payment.pk).update(unapplied=D("500.00"))
    assert credits_match_their_rows().problems
    Payment.objects.filter(pk=payment.pk).update(unapplied=0, void_entry=other.journal_entry)
    assert any("does not reverse" in p for p in credits_match_their_rows().problems)


def test_old_void_refund_rows_become_voids(company, customer):
    """The migration's conversion: a refund row holding the reversal of its payment's own
    entry was written by the old `payment_void`; a real refund is left alone."""
    from importlib import import_module

    migration = import_module("cashloop.receivables.migrations.0009_payment_void")
    old = pay(company, customer, "500.00")
    refunded = pay(company, customer, "80.00")
    payment_refund(
        actor=company.finance, payment_id=refunded.pk, amount=D("80.00"), refund_date=DAY
    )
    # What the old payment_void wrote: a refund row of the whole amount, with the reversal.
    reversal = journal_entry_reversal_post(
        actor=company.finance,
        original=old.journal_entry,
        entry_date=VOID_DAY,
        reason=PostingReason.PAYMENT,
    )
    Refund.objects.create(
        payment=old,
        date=VOID_DAY,
        amount=old.amount,
        base_amount=old.base_amount,
        memo="statement line 3 unmatched",
        journal_entry=reversal,
    )
    Payment.objects.filter(pk=old.pk).update(unapplied=0, base_unapplied=0)
    CustomerBalance.objects.filter(customer=customer).update(advance=0)
    assert_verified()
    migration.refunds_to_voids(apps, None)
    old.refresh_from_db()
    assert (old.voided_on, old.void_entry_id, old.void_memo) == (
        VOID_DAY,
        reversal.pk,
        "statement line 3 unmatched",
    )
    assert list(Refund.objects.values_list("payment_id", flat=True)) == [refunded.pk]
    assert_verified()


def test_api_and_pages_show_the_voided_state(company, customer, client):
    invoice = issued(company, customer)
    payment = pay(company, customer, "500.00")
    live = pay(company, customer, "20.00")
    payment = void(company, payment)
    client.force_login(company.finance)
    detail = client.get(f"{API}/payments/{payment.pk}").json()
    assert (detail["state"], detail["voided_on"], detail["void_memo"]) == (
        "voided",
        VOID_DAY.isoformat(),
        "statement line 7 unmatched",
    )
    assert detail["void_entry_id"] == payment.void_entry_id and detail["unapplied"] == "0.00"
    assert detail["suggestions"] == [] and detail["refunds"] == []
    assert payment.void_entry_id in {e["id"] for e in detail["entries"]}
    listed = {p["id"]: p["state"] for p in client.get(f"{API}/payments").json()["items"]}
    assert listed == {payment.pk: "voided", live.pk: "received"}
    before = state()
    refused_api = client.post(
        f"{API}/allocations",
        {
            "payment_id": payment.pk,
            "installment_id": invoice.installments.get().pk,
            "amount": "1.00",
            "date": str(VOID_DAY),
        },
        content_type="application/json",
    )
    assert refused_api.status_code == 409
    assert refused_api.json()["error"]["code"] == "payment.voided"
    refund = client.post(
        f"{API}/payments/{payment.pk}/refunds",
        {"amount": "1.00", "date": str(VOID_DAY)},
        content_type="application/json",
    )
    assert refund.status_code == 409 and refund.json()["error"]["code"] == "payment.voided"
    assert state() == before

    with translation.override("en"):
        listing = client.get(reverse("receivables:payment_list"), HTTP_ACCEPT_LANGUAGE="en")
        page = listing.content.decode()
        assert f'data-testid="voided-{payment.pk}"' in page
        assert f'data-testid="voided-{live.pk}"' not in page
        shown = client.get(
            reverse("receivables:payment_detail", args=[payment.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "Voided" in shown and 'data-testid="payment-void"' in shown
    assert f'data-testid="payment-voided-on">{VOID_DAY:%Y-%m-%d}<' in shown
    assert payment.void_entry.number in shown
    assert 'data-testid="allocation-panel"' not in shown
    assert 'data-testid="refund-form"' not in shown
    # Through the page too, the refusal is the stable code and nothing changes.
    client.post(
        reverse("receivables:payment_refund", args=[payment.pk]),
        {"amount": "1.00", "date": str(VOID_DAY)},
    )
    assert state() == before
    assert_verified()
