"""A draft contract of 12,360.00 for rep_east's customer, the credit approval flows, and a
limit below the contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashloop.contracts.tests.conftest import catalog, draft  # noqa: F401 (fixtures)
from cashloop.credit.approval_types import default_flows_install
from cashloop.credit.models import CreditProfile


@pytest.fixture
def flows(company):
    default_flows_install()


@pytest.fixture
def limited(customers):
    """rep_east's customer may owe at most 5,000.00."""
    customer = customers["rep_east"]
    CreditProfile.objects.create(customer=customer, limit=Decimal("5000.00"), currency="CNY")
    return customer
