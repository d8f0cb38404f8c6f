"""A default dunning policy with the issue's levels, and issued invoices to dun."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.collections.models import DunningPolicy
from cashloop.collections.services import LevelInput, dunning_policy_save
from cashloop.customers.models import Contact
from cashloop.receivables.choices import DueRule
from cashloop.receivables.services import InstallmentIn, LineIn, invoice_create, invoice_issue
from tests.factories import CustomerFactory

ISSUED_ON = date(2026, 3, 1)  # invoices fall due 30 days later, on 2026-03-31
DUE = date(2026, 3, 31)

LEVELS = [
    LevelInput(name="Friendly reminder", days_overdue=-3),
    LevelInput(name="First reminder", days_overdue=1),
    LevelInput(name="Second reminder", days_overdue=15, create_task=True, task_due_days=2),
    LevelInput(name="Third reminder", days_overdue=30, letter=True, fee=Decimal("50.00")),
    LevelInput(name="Final notice", days_overdue=60, hold=True, create_task=True),
    LevelInput(
        name="Hand to legal",
        days_overdue=90,
        subject_en="Legal: {{ customer.name }}",
        body_en="{{ customer.name }} owes {{ total }}:\n{{ items }}",
    ),
]


@pytest.fixture
def policy(company) -> DunningPolicy:
    return dunning_policy_save(
        actor=company.finance, name="Standard", levels=LEVELS, is_default=True
    )


@pytest.fixture
def debtor(company):
    customer = CustomerFactory(owner=company.rep_east, code="DEBTOR", name="欠款客户")
    Contact.objects.create(customer=customer, name="张会计", email="ap@debtor.example")
    return customer


def issue(company, customer, *, price="1000.00", installments=None, issue_date=ISSUED_ON):
    """An issued invoice of `price` + 13% VAT, due 30 days after `issue_date`."""
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=issue_date,
        lines=[
            LineIn(
                description="服务费",
                quantity=Decimal(1),
                unit_price=Decimal(price),
                tax_rate=Decimal("0.13"),
                discount_percent=Decimal(0),
            )
        ],
        installments=installments
        or [InstallmentIn(share=Decimal(1), due_rule=DueRule.DAYS_AFTER, due_days=30)],
    )
    return invoice_issue(actor=company.finance, invoice_id=draft.pk)
