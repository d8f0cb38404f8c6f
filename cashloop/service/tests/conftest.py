"""An after-sales agent, a customer with an overdue invoice and one who owes nothing."""

from __future__ import annotations

import pytest

from cashloop.receivables.tests.test_services import issued, line
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def agent(company):
    return UserFactory(username="agent", team=None, roles=["service_agent"], display_name="陈静")


@pytest.fixture
def owing(company):
    """rep_east's customer with 1,130.00 due 2026-04-09 (issued 2026-03-10 on 30 days)."""
    customer = CustomerFactory(owner=company.rep_east, payment_terms_days=30, name="欠款客户")
    issued(company, customer, lines=[line("1000.00")])
    return customer


@pytest.fixture
def clean(company):
    return CustomerFactory(owner=company.rep_south, name="正常客户")
