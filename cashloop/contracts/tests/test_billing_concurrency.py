"""Billing runs raced on PostgreSQL: every due installment is invoiced exactly once."""

from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanItemStatus
from cashloop.contracts.models import Contract, PlanItem
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.cpq.choices import Recognition
from cashloop.receivables.models import Invoice
from cashloop.receivables.tests.test_concurrency import _race
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = date(2026, 2, 1)


def test_two_billing_runs_at_once_bill_each_installment_once():
    finance = UserFactory(roles=["finance"])
    customers = [CustomerFactory() for _ in range(3)]
    for n, customer in enumerate(customers):
        contract = contract_make(customer=customer, number=f"HT-RACE-{n}")
        line_add(contract, net="1000.00", recognition=Recognition.AT_INVOICING)
        line_add(contract, net="333.33", recognition=Recognition.RATABLY, description="服务")
        for _ in range(3):
            plan_add(contract, due=DAY, amount=Decimal("300.00"))
        plan_add(contract, due=DAY)  # the rest
    # when: three runs start at once
    calls = [lambda: contract_invoices_generate(actor=finance, on=DAY)] * 3
    results, refusals, crashes = _race(calls)
    # then: no deadlock, twelve invoices in all, each contract billed exactly in full
    assert crashes == [] and refusals == []
    assert sum(len(invoices) for invoices in results) == 12
    assert Invoice.objects.count() == 12
    assert not PlanItem.objects.exclude(status=PlanItemStatus.INVOICED).exists()
    for contract in Contract.objects.all():
        assert contract.invoiced == contract.total
    assert_verified()
