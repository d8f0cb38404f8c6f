"""Money: rounding to ISO 4217 minor units, exact largest-remainder splits, no floats."""

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.money import (
    Money,
    _babel_money,
    _money_layout,
    format_money,
    minor_unit_exponent,
    quantize,
    split,
    split_evenly,
)

CURRENCIES = ["CNY", "USD", "JPY", "KWD", "CLF"]
amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4
)
weights = st.lists(
    st.decimals(min_value=0, max_value=Decimal("1e6"), allow_nan=False, places=3),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(ws) > 0)


def test_exponents_follow_iso_4217():
    assert [minor_unit_exponent(c) for c in CURRENCIES] == [2, 2, 0, 3, 4]


def test_quantize_rounds_half_up_away_from_zero():
    assert quantize(Decimal("0.005"), "CNY") == Decimal("0.01")
    assert quantize(Decimal("-0.005"), "CNY") == Decimal("-0.01")
    assert quantize(Decimal("0.0049"), "CNY") == Decimal("0.00")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")
    assert quantize(Decimal("1.0005"), "KWD") == Decimal("1.001")


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        quantize(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split(Decimal("1"), [0.5, 0.5], "CNY")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        Money(1.5, "CNY")  # type: ignore[arg-type]


def test_unknown_currency_is_a_domain_error():
    with pytest.raises(DomainError) as exc:
        quantize(Decimal(1), "XYZ")
    assert exc.value.code is CoreError.UNKNOWN_CURRENCY
    assert exc.value.status == 422


def test_split_worked_example():
    # 100.00 in three equal parts: 33.34 + 33.33 + 33.33, the first remainder wins the cent.
    assert split(Decimal("100"), [1, 1, 1], "CNY") == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    # A 13% VAT invoice of 1,130.00 split 30/70.
    assert split(Decimal("1130"), [30, 70], "CNY") == [Decimal("339.00"), Decimal("791.00")]
    assert split_evenly(Decimal("-0.05"), 2, "CNY") == [Decimal("-0.03"), Decimal("-0.02")]
    assert split(Decimal("10"), [1, 1, 1], "JPY") == [Decimal(4), Decimal(3), Decimal(3)]


@given(amount=amounts, ws=weights, currency=st.sampled_from(CURRENCIES))
def test_split_parts_sum_exactly_to_the_rounded_whole(amount, ws, currency):
    parts = split(amount, ws, currency)
    assert sum(parts) == quantize(amount, currency)
    assert len(parts) == len(ws)
    unit = Decimal(1).scaleb(-minor_unit_exponent(currency))
    for part in parts:
        assert part == part.quantize(unit)  # each part is whole minor units


@given(amount=amounts, ws=weights, currency=st.sampled_from(CURRENCIES))
def test_split_parts_are_within_one_minor_unit_of_their_exact_share(amount, ws, currency):
    whole = quantize(amount, currency)
    unit = Decimal(1).scaleb(-minor_unit_exponent(currency))
    total = sum(ws)
    for part, w in zip(split(amount, ws, currency), ws, strict=True):
        exact = whole * w / total
        assert abs(part - exact) < unit
        if w == 0:
            assert part == 0
        if whole >= 0:
            assert part >= 0
        else:
            assert part <= 0


@given(amount=amounts, count=st.integers(min_value=1, max_value=50))
def test_even_split_differs_by_at_most_one_unit(amount, count):
    parts = split_evenly(amount, count, "CNY")
    assert max(parts) - min(parts) <= Decimal("0.01")
    assert sum(parts) == quantize(amount, "CNY")


def test_money_refuses_to_mix_currencies():
    with pytest.raises(ValueError):
        Money(Decimal(1), "CNY") + Money(Decimal(1), "USD")
    assert Money(Decimal("1.10"), "cny") - Money(Decimal("0.10"), "CNY") == Money(
        Decimal("1.00"), "CNY"
    )
    assert sum(p.amount for p in Money(Decimal("10"), "CNY").split([1, 2])) == Decimal("10")


def test_format_money_by_locale():
    assert format_money(Decimal("1234.5"), "CNY", "zh-hans") == "¥1,234.50"
    assert format_money(Decimal("1234.5"), "USD", "en") == "$1,234.50"
    assert format_money(Decimal("1234.5"), "JPY", "en") == "¥1,235"
    # ISO 4217 says IQD has 3 decimals, though CLDR shows none.
    assert format_money(Decimal("1234.5675"), "IQD", "en") == "IQD1,234.568"


@pytest.mark.parametrize(
    "locale", ["zh_Hans_CN", "en", "en_IN", "de_DE", "fr_FR", "ja_JP", "ar_EG"]
)
@pytest.mark.parametrize("currency", ["CNY", "USD", "EUR", "JPY", "KWD"])
def test_the_remembered_layout_formats_exactly_like_babel(locale, currency):
    """The fast path gives Babel's own text for every amount, or stands aside (None)."""
    rng = random.Random(f"{locale}{currency}")
    layout = _money_layout(locale, currency)
    amounts = [Decimal(0), Decimal("-0.004"), Decimal("0.5"), Decimal("-999.995")]
    amounts += [
        Decimal(rng.randint(-(10**12), 10**12)).scaleb(-rng.randint(0, 4)) for _ in range(300)
    ]
    for amount in amounts:
        value = quantize(amount, currency)
        expected = _babel_money(value, currency, locale)
        assert format_money(amount, currency, locale) == expected
        if layout is not None:
            assert layout.format(value) == expected


def test_the_common_locales_take_the_fast_path():
    # Indian grouping (12,34,567) is not a plain pattern: Babel formats it every time.
    assert _money_layout("en_IN", "INR") is None
    for locale in ("zh_Hans_CN", "en", "de_DE"):
        assert _money_layout(locale, "CNY") is not None
