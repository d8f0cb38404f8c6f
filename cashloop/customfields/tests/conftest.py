"""Fixtures of custom field tests: an "industry" single choice and a decimal on customers."""

from __future__ import annotations

import pytest

from cashloop.customfields import services


@pytest.fixture
def industry(company):  # type: ignore[no-untyped-def]
    return services.custom_field_create(
        actor=company.admin,
        object_type="customers.customer",
        key="industry",
        label="行业",
        label_en="Industry",
        kind="choice",
        required=True,
        choices=[{"value": "mfg", "label": "制造业"}, {"value": "retail", "label": "零售"}],
    )


@pytest.fixture
def employees(company):  # type: ignore[no-untyped-def]
    return services.custom_field_create(
        actor=company.admin,
        object_type="customers.customer",
        key="revenue_share",
        label="收入占比",
        label_en="Revenue share",
        kind="decimal",
        min_value="0",
        max_value="100",
    )
