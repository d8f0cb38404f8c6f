"""Receivables made through their services, for the report tests (never model writes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cashloop.receivables.choices import DueRule
from cashloop.receivables.models import Installment, Invoice, Payment
from cashloop.receivables.services import (
    InstallmentIn,
    LineIn,
    allocation_create,
    invoice_create,
    invoice_issue,
    payment_create,
)

D = Decimal


def line_in(price: str, text: str = "服务费 Service") -> LineIn:
    """A tax-free line of one unit."""
    return LineIn(description=text, quantity=D(1), unit_price=D(price), tax_rate=D(0))


def invoice(
    actor,
    customer,
    issue_date: date,
    *schedule: tuple[str, date],
    currency: str | None = None,
    rate: str | None = None,
) -> Invoice:
    """Issue a tax-free invoice whose installments are `(amount, due date)` pairs."""
    total = sum((D(amount) for amount, _ in schedule), D(0))
    draft = invoice_create(
        actor=actor,
        customer_id=customer.pk,
        issue_date=issue_date,
        lines=[
            LineIn(description="服务费 Service", quantity=D(1), unit_price=total, tax_rate=D(0))
        ],
        installments=[
            InstallmentIn(share=D(amount), due_rule=DueRule.FIXED_DATE, fixed_date=due)
            for amount, due in schedule
        ],
        currency=currency,
        rate=D(rate) if rate else None,
    )
    return invoice_issue(actor=actor, invoice_id=draft.pk)


def items(inv: Invoice) -> list[Installment]:
    return list(inv.installments.order_by("sequence"))


def pay(actor, customer, amount: str, on: date, currency: str | None = None, rate=None) -> Payment:
    return payment_create(
        actor=actor,
        customer_id=customer.pk,
        amount=D(amount),
        payment_date=on,
        currency=currency,
        rate=D(rate) if rate else None,
    )


def apply(actor, payment: Payment, installment: Installment, amount: str, on: date):
    return allocation_create(
        actor=actor,
        payment_id=payment.pk,
        installment_id=installment.pk,
        amount=D(amount),
        allocation_date=on,
    )
