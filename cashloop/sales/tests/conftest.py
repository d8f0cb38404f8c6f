"""Fixtures of the sales tests: the default pipeline and a few opportunities."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from cashloop.sales import services
from cashloop.sales.models import Pipeline, Stage


def install_pipeline() -> Pipeline:
    """The migration's default pipeline (a transactional test may have flushed it)."""
    from importlib import import_module

    module = import_module("cashloop.sales.migrations.0002_default_pipeline")
    module.install_default_pipeline(apps, None)
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def pipeline(db) -> Pipeline:  # type: ignore[no-untyped-def]
    return install_pipeline()


@pytest.fixture
def stages(pipeline) -> dict[str, Stage]:  # type: ignore[no-untyped-def]
    """The default stages by kind and order: open1..open4, won, lost."""
    ordered = list(pipeline.stages.order_by("position"))
    named = {f"open{n}": s for n, s in enumerate(ordered[:4], 1)}
    return {**named, "won": ordered[4], "lost": ordered[5]}


@pytest.fixture
def next_month():  # type: ignore[no-untyped-def]
    return timezone.localdate() + timedelta(days=30)


@pytest.fixture
def make_opportunity(company, customers, pipeline, next_month):  # type: ignore[no-untyped-def]
    def make(owner=None, **kwargs):  # type: ignore[no-untyped-def]
        owner = owner or company.rep_east
        customer = kwargs.pop("customer", None) or customers[owner.username]
        values = {
            "name": "ERP rollout",
            "amount": Decimal("100000.00"),
            "expected_close_date": next_month,
            **kwargs,
        }
        return services.opportunity_create(actor=owner, customer_id=customer.pk, **values)

    return make
