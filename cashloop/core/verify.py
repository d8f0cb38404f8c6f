"""`verify`: recompute what the system shows from what it posted, and list every difference.

Each app that keeps money may have a `verify.py` with `CHECKS`, a list of functions that
take nothing and return a `CheckResult`.  `verify_all()` runs them in app order; the
`cashloop verify` command and the admin page print the results, and anything found makes
the command exit non-zero.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, DecimalField, Expression, F, Max, Model, Q, Sum, Value
from django.db.models.functions import Coalesce, Length, Round

from cashloop.core.models import Sequence
from cashloop.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
# The problems a check lists per query: past that many, more lines tell nothing new.
LIMIT = 100


def money_exact(expression: Expression | F) -> Round:
    """Round a money expression to the stored precision inside the database.

    SQLite keeps decimals as binary floats and sums them as such, so a sum that is zero
    may come back as 1e-15; rounding to the column's 4 places makes comparisons exact on
    both databases (PostgreSQL's numeric is exact already, and rounding changes nothing).
    """
    return Round(expression, MONEY_DECIMAL_PLACES, output_field=MONEY)


def money_sum(field: str, **filters: object) -> Round:
    """`SUM(field)` (0 when there are no rows), exact to the stored precision."""
    total = Sum(field, filter=Q(**filters) if filters else None, output_field=MONEY)
    return money_exact(Coalesce(total, Value(0, output_field=MONEY)))


def sequence_gaps(series: str, model: type[Model], noun: str) -> list[str]:
    """Per counter of `series`: numbers 1..n each taken once by `model`, none beyond.

    Numbers are unique, so n rows whose highest number is n have no gap.  The highest is
    the longest, then the greatest: past 999,999 a number grows a digit, and as text
    "…-1000000" sorts before "…-999999".
    """
    problems = []
    for counter in Sequence.objects.filter(series=series).order_by("year"):
        rows = model._default_manager.filter(number__startswith=f"{series}-{counter.year}-")
        taken = rows.aggregate(n=Count("pk"), width=Max(Length("number")))
        longest = rows.alias(width=Length("number")).filter(width=taken["width"])
        highest = longest.aggregate(last=Max("number"))
        last = int(highest["last"].rsplit("-", 1)[1]) if highest["last"] else 0
        issued = counter.next_value - 1
        if taken["n"] != issued or last != issued:
            problems.append(
                f"{series} {counter.year}: counter at {issued}, {taken['n']} {noun}, "
                f"last number {last}"
            )
    return problems


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _checks() -> list[Callable[[], CheckResult]]:
    found: list[Callable[[], CheckResult]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("cashloop."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.verify")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.verify":
                raise
            continue
        found.extend(getattr(module, "CHECKS", ()))
    return found


def verify_all() -> list[CheckResult]:
    return [check() for check in _checks()]
