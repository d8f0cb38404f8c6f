"""Exchange rates: set and corrected by treasury, read as the latest on or before a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.treasury.models import ExchangeRate
from cashloop.treasury.selectors import rate_on
from cashloop.treasury.services import exchange_rate_set

pytestmark = pytest.mark.django_db


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_the_rate_of_a_day_is_the_latest_on_or_before_it(treasurer):
    exchange_rate_set(actor=treasurer, currency="usd", day=date(2026, 3, 1), rate=Decimal("7.1"))
    exchange_rate_set(actor=treasurer, currency="USD", day=date(2026, 3, 10), rate=Decimal("7.2"))
    assert rate_on("USD", date(2026, 3, 9)) == Decimal("7.1")
    assert rate_on("USD", date(2026, 3, 10)) == Decimal("7.2")
    assert rate_on("CNY", date(2000, 1, 1)) == 1


def test_setting_a_rate_again_corrects_it_and_is_audited(treasurer):
    exchange_rate_set(actor=treasurer, currency="EUR", day=date(2026, 3, 1), rate=Decimal("7.8"))
    rate = exchange_rate_set(
        actor=treasurer, currency="EUR", day=date(2026, 3, 1), rate=Decimal("7.812345678")
    )
    assert ExchangeRate.objects.count() == 1
    assert rate.rate == Decimal("7.81234568")
    assert AuditEntry.objects.filter(object_id=str(rate.pk)).count() == 2


def test_a_missing_rate_names_the_currency_and_day():
    error = code_of(lambda: rate_on("USD", date(2026, 1, 5)))
    assert error.code.code == "treasury.rate_missing"
    assert error.status == 422
    assert error.details == {"currency": "USD", "date": "2026-01-05"}


@pytest.mark.parametrize(
    ("currency", "rate", "code"),
    [
        ("USD", Decimal("0"), "treasury.rate_not_positive"),
        ("USD", Decimal("-7"), "treasury.rate_not_positive"),
        ("CNY", Decimal("1"), "treasury.rate_base_currency"),
        ("XYZ", Decimal("1"), "money.unknown_currency"),
    ],
)
def test_a_bad_rate_is_refused_and_nothing_is_stored(treasurer, currency, rate, code):
    error = code_of(
        lambda: exchange_rate_set(
            actor=treasurer, currency=currency, day=date(2026, 1, 1), rate=rate
        )
    )
    assert error.code.code == code
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "rep_east"])
def test_viewer_and_rep_may_not_set_rates(company, role):
    error = code_of(
        lambda: exchange_rate_set(
            actor=getattr(company, role), currency="USD", day=date(2026, 1, 1), rate=Decimal("7")
        )
    )
    assert error.code.code == "permission.denied"
    assert not ExchangeRate.objects.exists()


def test_finance_may_set_rates(company):
    exchange_rate_set(
        actor=company.finance, currency="USD", day=date(2026, 1, 1), rate=Decimal("7")
    )
    assert ExchangeRate.objects.count() == 1
