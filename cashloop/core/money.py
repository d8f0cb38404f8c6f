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
    exponent = minor_unit_exponent(currency)
    unit = Decimal(1).scaleb(-exponent)
    whole = quantize(amount, currency)
    decimals = [to_decimal(w) for w in weights]
    # Parts already in minor units that sum to the amount are their own split (the base
    # amounts of an invoice in the base currency): the method below would return them.
    if sum(decimals) == whole and all(d >= 0 and d == d.quantize(unit) for d in decimals):
        return [d.quantize(unit) for d in decimals]
    exact_weights = [Fraction(d) for d in decimals]
    if any(w < 0 for w in exact_weights):
        raise ValueError("weights must not be negative")
    total_weight = sum(exact_weights)
    if total_weight == 0:
        raise ValueError("weights must not all be zero")

    sign = -1 if whole < 0 else 1
    units = int(abs(whole).scaleb(exponent))

    shares = [Fraction(units) * w / total_weight for w in exact_weights]
    floors = [int(share) for share in shares]  # shares are >= 0, so int() is floor
    left_over = units - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in by_remainder[:left_over]:
        floors[i] += 1

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
    value = quantize(amount, currency)
    fast = _money_layout(babel_locale, currency.upper())
    if fast is not None:
        return fast.format(value)
    return _babel_money(value, currency.upper(), babel_locale)


def _babel_money(value: Decimal, currency: str, babel_locale: str) -> str:
    locale_data = Locale.parse(babel_locale)
    # The locale's pattern, with as many decimals as the ISO exponent (not CLDR's digits).
    pattern = copy.copy(locale_data.currency_formats["standard"])
    exponent = minor_unit_exponent(currency)
    pattern.frac_prec = (exponent, exponent)
    return pattern.apply(value, locale_data, currency=currency, currency_digits=False)


@dataclass(frozen=True, slots=True)
class _MoneyLayout:
    """Babel's currency pattern of one locale and currency, taken apart once: applying the
    pattern costs a quarter of a millisecond, and a dunning run formats a million amounts."""

    exponent: int
    group: str
    decimal: str
    positive: tuple[str, str]
    negative: tuple[str, str]

    def format(self, value: Decimal) -> str:
        digits = f"{abs(value):,.{self.exponent}f}"
        digits = digits.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        prefix, suffix = self.negative if value.is_signed() else self.positive
        return f"{prefix}{digits}{suffix}"


@lru_cache(maxsize=256)
def _money_layout(babel_locale: str, currency: str) -> _MoneyLayout | None:
    """The layout of a plain grouped pattern (#,##0.00 with a prefix and suffix), checked
    against Babel on sample amounts; None (Babel each time) for anything else."""
    try:
        locale_data = Locale.parse(babel_locale)
    except (ValueError, TypeError):
        return None
    pattern = locale_data.currency_formats["standard"]
    if pattern.grouping != (3, 3) or pattern.exp_prec or pattern.scale:
        return None
    exponent = minor_unit_exponent(currency)
    one = _babel_money(Decimal(1), currency, babel_locale)
    minus = _babel_money(Decimal(-1), currency, babel_locale)
    decimal = locale_data.number_symbols.get("latn", locale_data.number_symbols).get("decimal", ".")
    group = locale_data.number_symbols.get("latn", locale_data.number_symbols).get("group", ",")
    unit = "1" if exponent == 0 else "1" + decimal + "0" * exponent
    if unit not in one or unit not in minus:
        return None
    at, neg_at = one.rindex(unit), minus.rindex(unit)
    layout = _MoneyLayout(
        exponent=exponent,
        group=group,
        decimal=decimal,
        positive=(one[:at], one[at + len(unit) :]),
        negative=(minus[:neg_at], minus[neg_at + len(unit) :]),
    )
    samples = (Decimal("1234567.891"), Decimal("-9876543.2109"), Decimal(0), Decimal("-0.001"))
    for sample in samples:
        value = quantize(sample, currency)
        if layout.format(value) != _babel_money(value, currency, babel_locale):
            return None
    return layout


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
