"""What the forecast expects to receive, read from the receivables, the contracts and the
pipeline (decision 055)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from cashloop.contracts.services import contract_activate
from cashloop.contracts.tests.conftest import catalog, draft  # noqa: F401 (fixtures)
from cashloop.credit.models import CreditProfile
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from cashloop.sales.models import Opportunity
from cashloop.sales.services import opportunity_create
from cashloop.treasury.behaviour import no_history
from cashloop.treasury.history import day_number
from cashloop.treasury.receipts import OPEN_ITEM, PIPELINE, PLAN_ITEM, expected

pytestmark = pytest.mark.django_db


def test_open_items_plan_items_and_deals_are_expected(company, customers, draft):  # noqa: F811
    today = timezone.localdate()
    customer = customers["rep_east"]
    customer.payment_terms_days = 45
    customer.save(update_fields=["payment_terms_days"])
    inv = invoice(
        company.finance,
        customer,
        today - timedelta(days=40),
        ("700.00", today - timedelta(days=10)),
        ("300.00", today + timedelta(days=20)),
    )
    overdue = items(inv)[0]
    payment = pay(company.finance, customer, "200.00", today - timedelta(days=5))
    apply(company.finance, payment, overdue, "200.00", today - timedelta(days=5))
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    scheduled = list(contract.plan.filter(due_date__isnull=False, invoice__isnull=True))
    opportunity_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        name="扩容 Expansion",
        amount=Decimal("8000.00"),
        expected_close_date=today + timedelta(days=30),
    )

    found = expected(no_history(day_number(today)), today)

    kinds = found.kind.tolist()
    assert kinds.count(OPEN_ITEM) == 2
    assert kinds.count(PLAN_ITEM) == len(scheduled) > 0
    assert kinds.count(PIPELINE) == 1
    receipts = found.receipts
    opened = found.kind == OPEN_ITEM
    assert sorted(receipts.amount[opened].tolist()) == [300.0, 500.0]
    assert sorted(receipts.overdue[opened].tolist()) == [-20, 10]
    planned = found.kind == PLAN_ITEM
    assert receipts.amount[planned].sum() == pytest.approx(
        float(sum(item.amount for item in scheduled) * contract.rate)
    )
    # A plan item whose billing day has passed is billed today at the earliest.
    assert (receipts.due[planned] >= day_number(today)).all()
    deal = found.kind == PIPELINE
    assert receipts.due[deal].tolist() == [day_number(today + timedelta(days=30 + 45))]
    # The deal carries its terms and the customer's credit score (none yet) for scenarios.
    assert (found.terms[deal].tolist(), found.score[deal].tolist()) == ([45], [-1])
    assert (found.terms[~deal] == 0).all() and (found.score[~deal] == -1).all()
    CreditProfile.objects.create(customer=customer, currency="CNY", score=38)
    assert expected(no_history(day_number(today)), today).score[deal].tolist() == [38]
    probability = Opportunity.objects.get(customer=customer).probability
    assert 0 < probability < 100
    assert receipts.chance[deal][0] == pytest.approx(probability / 100)
    assert (receipts.chance[~deal] == 1).all()
    assert receipts.rows.shape == (len(kinds), receipts.rows.shape[1])
    assert np.all(found.customer[opened] == customer.pk)
