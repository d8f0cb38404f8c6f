"""Fixtures of the approval tests: a second finance clerk, a controller, and flow builders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.approvals.services import approval_flow_create, expense_claim_create
from tests.factories import UserFactory


@pytest.fixture
def finance2(company):
    """A second finance clerk, so that a finance step has someone besides the submitter."""
    return UserFactory(username="fin2", team=company.sales, roles=["finance"])


@pytest.fixture
def controller(company):
    """The named approver of the second step."""
    return UserFactory(username="controller", team=company.sales, roles=["viewer"])


@pytest.fixture
def managed(company):
    """East and Sales have managers: the submitter's manager and the level above."""
    company.east.manager = company.manager_east
    company.east.save()
    company.sales.manager = company.admin
    company.sales.save()
    return company


def flow(admin, document_type="approvals.expenseclaim", *, conditions=None, steps, **kwargs):
    return approval_flow_create(
        actor=admin,
        document_type=document_type,
        name=kwargs.pop("name", "Flow"),
        conditions=conditions or {},
        steps=steps,
        **kwargs,
    )


def step(*approvers, rule="any", hours=0):
    return {"approvers": list(approvers), "rule": rule, "deadline_hours": hours}


def claim(user, amount="2000.00", **kwargs):
    return expense_claim_create(
        actor=user,
        date=kwargs.pop("date", date(2026, 11, 20)),
        category=kwargs.pop("category", "travel"),
        amount=Decimal(amount),
        description=kwargs.pop("description", "上海出差 trip to Shanghai"),
        **kwargs,
    )
