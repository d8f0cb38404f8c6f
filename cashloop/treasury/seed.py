"""Demo treasury: daily USD and EUR rates over the last half year, this fiscal year's budget
per category and month, and a few planned items (rent, quarterly tax, a loan, a server
purchase), entered as the treasurer does, so the cash position, the budget grid and budget
vs actual open with figures; and a minimum balance with this morning's cash forecast, so the
forecast page opens with one."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from cashloop.identity.models import User
from cashloop.treasury.models import BudgetCategory
from cashloop.treasury.selectors import fiscal_months, fiscal_year_of
from cashloop.treasury.services import (
    budget_line_set,
    exchange_rate_set,
    forecast_run_compute,
    forecast_run_create,
    planned_item_save,
    treasury_settings_update,
)

D = Decimal
RATE_DAYS = 190
# A month's budget per category (CNY), varied by up to ±10% from month to month.
MONTHLY = {
    "sales": D("260000"),
    "other_income": D("5000"),
    "payroll": D("90000"),
    "suppliers": D("60000"),
    "finance_costs": D("300"),
}


def seed_treasury(*, rng: random.Random, today: date) -> int:
    """Rates, budget lines and planned items.  -> budget lines made."""
    treasurer = User.objects.filter(roles__code="treasurer").order_by("pk").first()
    if treasurer is None:
        return 0
    _rates(treasurer, rng=rng, today=today)
    _planned(treasurer, today=today)
    return _budget(treasurer, rng=rng, today=today)


def _rates(treasurer: User, *, rng: random.Random, today: date) -> None:
    for currency, rate in (("USD", D("7.1000")), ("EUR", D("7.7000"))):
        for back in range(RATE_DAYS, -1, -1):
            rate += D(rng.randint(-150, 150)) / D(100000)
            exchange_rate_set(
                actor=treasurer, currency=currency, day=today - timedelta(days=back), rate=rate
            )


def _budget(treasurer: User, *, rng: random.Random, today: date) -> int:
    year = fiscal_year_of(today)
    made = 0
    for code, amount in MONTHLY.items():
        category = BudgetCategory.objects.get(code=code)
        for month in fiscal_months(year):
            varied = (amount * D(rng.randint(90, 110)) / 100).quantize(D("100"))
            budget_line_set(
                actor=treasurer,
                fiscal_year=year,
                category_id=category.pk,
                month=month,
                amount=varied,
            )
            made += 1
    return made


def _planned(treasurer: User, *, today: date) -> None:
    first = fiscal_months(fiscal_year_of(today))[0]
    for code, description, amount, start, end, frequency in (
        ("rent", "办公室租金 Office rent", "20000", first.replace(day=5), None, "monthly"),
        (
            "tax",
            "增值税及附加 VAT and surcharges",
            "25000",
            first.replace(day=15),
            None,
            "quarterly",
        ),
        (
            "loans",
            "招行流动资金贷款还款 Working-capital loan",
            "15000",
            first.replace(day=20),
            first.replace(year=first.year + 1) - timedelta(days=1),
            "monthly",
        ),
        ("capex", "服务器采购 Servers", "80000", today + timedelta(days=40), None, "once"),
    ):
        planned_item_save(
            actor=treasurer,
            category_id=BudgetCategory.objects.get(code=code).pk,
            description=description,
            amount=D(amount),
            first_date=start,
            end_date=end,
            frequency=frequency,
        )


def seed_forecast(*, today: date) -> None:
    """A minimum of 200,000 CNY and this morning's forecast, computed at once (the task the
    run queues finds it done)."""
    treasurer = User.objects.filter(roles__code="treasurer").order_by("pk").first()
    if treasurer is None:
        return
    treasury_settings_update(actor=treasurer, minimum_balance=D("200000"))
    run = forecast_run_create(actor=treasurer, as_of=today, seed=1)
    forecast_run_compute(run_id=run.pk)
