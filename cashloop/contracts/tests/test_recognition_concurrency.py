"""Racing recognition runs on PostgreSQL: each month posted once, nothing deadlocked."""

from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.models import Contract, RevenueRecognition
from cashloop.contracts.recognition import revenue_recognition_run
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.ledger.models import JournalEntry
from cashloop.receivables.tests.test_concurrency import _race
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_of_the_same_month_at_once_post_it_once():
    finance = UserFactory(roles=["finance"])
    for n in range(5):
        contract = contract_make(customer=CustomerFactory(), number=f"HT-RACE-{n}")
        for _ in range(3):
            line_add(
                contract,
                net="90.00",
                service_start=date(2026, 1, 1),
                service_end=date(2026, 3, 31),
            )
        plan_add(contract, due=date(2026, 1, 31))
    calls = [
        lambda: revenue_recognition_run(actor=finance, period=date(2026, 2, 1)) for _ in range(4)
    ]
    results, refusals, crashes = _race(calls)
    assert crashes == [] and refusals == []
    assert sum(len(rows) for rows in results) == 15
    assert RevenueRecognition.objects.count() == 15
    assert JournalEntry.objects.count() == 5
    assert {c.recognised for c in Contract.objects.all()} == {Decimal("180.00")}
    assert_verified()
