"""Money: exact decimal amounts in a currency, rounded only here, split only here.

Rules (ARCHITECTURE.md, money rules 1 and 7):

* An amount is a `Decimal`; a `float` is refused wherever an amount enters.
* `quantize()` is the one function that rounds an amount to its currency's minor
  unit, using the ISO 4217 exponent and half-up rounding (四舍五入), the rule of
  Chinese accounting practice and of most invoicing systems (docs/decisions/004).
* `split()` divides an amount by weights with the largest-remainder method, so the
  parts are each in minor units and add up exactly to the whole.
* `format_money()` renders an amount for people, by locale, with Babel.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import list_currencies
from django.conf import settings
from django.db import models
from django.utils import translation

from cashloop.core.errors import CoreError, DomainError

# ISO 4217 minor-unit exponents that differ from 2.  CLDR (and so Babel) follows its own
# "digits" for some currencies, which is why the table is ours and not Babel's.
_ZERO_DIGIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_ISO4217_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_ZERO_DIGIT.split(" "), 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

# The storage precision of every money column: DecimalField(max_digits=19, decimal_places=4).
MONEY_MAX_DIGITS = 19
MONEY_DECIMAL_PLACES = 4


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_check(currency: str) -> str:
    """Return the upper-case ISO code, or raise `money.unknown_currency`."""
    code = (currency or "").upper()
    if len(code) != 3 or code not in _known_currencies():
        raise DomainError(CoreError.UNKNOWN_CURRENCY, currency=currency)
    return code


def minor_unit_exponent(currency: str) -> int:
    """Digits after the decimal point in the currency's minor unit (CNY 2, JPY 0, KWD 3)."""
    return _ISO4217_EXPONENTS.get(currency_check(currency), 2)


def base_currency() -> str:
    return currency_check(settings.CASHLOOP_BASE_CURRENCY)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Accept an exact amount (Decimal, int or numeric string); refuse floats outright."""
    if isinstance(value, bool | float):
        raise TypeError("money amounts must never be floats")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (0.005 CNY -> 0.01, -0.005 -> -0.01)."""
    exponent = minor_unit_exponent(currency)
    return to_decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def split(
    amount: Decimal | int | str, weights: Sequence[Decimal | int | str], currency: str
) -> list[Decimal]:
    """Split `amount` in proportion to `weights`; the parts sum exactly to the rounded amount.

    Largest-remainder (Hamilton) method on minor units: every part first gets the floor of
    its exact share, then the units left over go one each to the parts with the largest
    fractional remainders, earlier parts first on ties.  Negative amounts split like their
    absolute value, with the sign put back.
    """
    if not weights:
        raise ValueError("split needs at least one weight")
    exact_weights = [Fraction(to_decimal(w)) for w in weights]
    if any(w < 0 for w in exact_weights):
        raise ValueError("weights must not be negative")
    total_weight = sum(exact_weights)
    if total_weight == 0:
        raise ValueError("weights must not all be zero")

    exponent = minor_unit_exponent(currency)
    whole = quantize(amount, currency)
    sign = -1 if whole < 0 else 1
    units = int(abs(whole).scaleb(exponent))

    shares = [Fraction(units) * w / total_weight for w in exact_weights]
    floors = [int(share) for share in shares]  # shares are >= 0, so int() is floor
    left_over = units - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in by_remainder[:left_over]:
        floors[i] += 1

    unit = Decimal(1).scaleb(-exponent)
    return [(sign * parts * unit).quantize(unit) for parts in floors]


def split_evenly(amount: Decimal | int | str, count: int, currency: str) -> list[Decimal]:
    """Split into `count` parts as equal as the minor unit allows (earlier parts larger)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    return split(amount, [1] * count, currency)


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """Render for people in the active (or given) language: ¥1,234.50 / US$1,234.50."""
    babel_locale = (locale or translation.get_language() or settings.LANGUAGE_CODE).replace(
        "-", "_"
    )
    if babel_locale.lower() == "zh_hans":
        babel_locale = "zh_Hans_CN"
    locale_data = Locale.parse(babel_locale)
    # The locale's pattern, with as many decimals as the ISO exponent (not CLDR's digits).
    pattern = copy.copy(locale_data.currency_formats["standard"])
    exponent = minor_unit_exponent(currency)
    pattern.frac_prec = (exponent, exponent)
    return pattern.apply(
        quantize(amount, currency), locale_data, currency=currency.upper(), currency_digits=False
    )


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with its currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", currency_check(self.currency))
        object.__setattr__(self, "amount", to_decimal(self.amount))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValueError("cannot combine amounts in different currencies")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def quantized(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def split(self, weights: Sequence[Decimal | int | str]) -> list[Money]:
        return [Money(part, self.currency) for part in split(self.amount, weights, self.currency)]

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """A model field for an amount, stored as the architecture says (19 digits, 4 places)."""
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )
