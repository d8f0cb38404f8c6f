"""Treasury endpoints under /api/v1/treasury: exchange rates, the cash position and its
history, the fiscal year, budget categories, the budget of a fiscal year with planned items
and actuals (budget against actual), budget lines one by one or from Excel, planned items,
the cash forecast with its settings, and customer value with its settings."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency
from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.treasury import selectors, services
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import BudgetCategory, TreasurySettings
from cashloop.treasury.schemas import (
    BudgetLineIn,
    BudgetLineOut,
    BudgetOut,
    CashAccuracyOut,
    CashForecastOut,
    CashPositionOut,
    CategoryAccountsIn,
    CategoryOut,
    CustomerValueRankingOut,
    FiscalYearIO,
    ForecastIn,
    ForecastSettingsIO,
    HistoryPointOut,
    PlannedItemIn,
    PlannedItemOut,
    RateIn,
    RateOut,
    ScenarioIn,
    ScenarioOut,
    ValueSettingsIn,
    ValueSettingsOut,
)

router = Router(tags=["treasury"])


@router.get("/rates", response=list[RateOut])
@paginated(sorts=("currency", "date"), default="currency,-date")
def rate_list(request: HttpRequest, currency: str = "") -> Any:
    return selectors.exchange_rate_list(user=request.user, currency=currency)


@router.post("/rates", response={201: RateOut})
def rate_set(request: HttpRequest, payload: RateIn) -> Any:
    rate = services.exchange_rate_set(
        actor=request.user, currency=payload.currency, day=payload.date, rate=payload.rate
    )
    return Status(201, rate)


def _position_out(position: selectors.CashPosition) -> dict[str, Any]:
    return {
        "as_of": position.as_of,
        "currency": position.currency,
        "total": position.total,
        "total_book": position.total_book,
        "accounts": [
            {
                "bank_account_id": a.bank_account.pk,
                "name": a.bank_account.name,
                "currency": a.currency,
                "book": a.book,
                "bank": a.bank,
                "difference": a.difference,
                "rate": a.rate,
                "balance_base": a.balance_base,
                "shared_ledger_account": a.shared_ledger_account,
            }
            for a in position.accounts
        ],
    }


@router.get("/cash-position", response=CashPositionOut)
def cash_position(request: HttpRequest, as_of: date | None = None) -> Any:
    day = as_of or timezone.localdate()
    return _position_out(selectors.cash_position(user=request.user, as_of=day))


@router.get("/cash-position/history", response=list[HistoryPointOut])
def cash_history(request: HttpRequest, start: date, end: date) -> Any:
    points = selectors.cash_history(user=request.user, start=start, end=end)
    return [{"date": p.day, "total": p.total, "book": p.book} for p in points]


@router.get("/fiscal-year", response=FiscalYearIO)
def fiscal_year_get(request: HttpRequest) -> Any:
    require(request.user, "view", TreasurySettings)
    return selectors.treasury_settings()


@router.put("/fiscal-year", response=FiscalYearIO)
def fiscal_year_set(request: HttpRequest, payload: FiscalYearIO) -> Any:
    return services.treasury_settings_update(
        actor=request.user, fiscal_year_start_month=payload.fiscal_year_start_month
    )


def _category_out(category: BudgetCategory) -> dict[str, Any]:
    return {
        "id": category.pk,
        "code": category.code,
        "name": category.name,
        "direction": category.direction,
        "account_codes": [a.code for a in category.accounts.all()],
    }


@router.get("/budget-categories", response=list[CategoryOut])
def category_list(request: HttpRequest) -> Any:
    return [_category_out(c) for c in selectors.budget_category_list(user=request.user)]


@router.put("/budget-categories/{category_id}/accounts", response=CategoryOut)
def category_accounts_set(
    request: HttpRequest, category_id: int, payload: CategoryAccountsIn
) -> Any:
    category = services.budget_category_accounts_set(
        actor=request.user, category_id=category_id, account_codes=payload.account_codes
    )
    return _category_out(category)


@router.get("/budgets/{fiscal_year}", response=BudgetOut)
def budget_get(request: HttpRequest, fiscal_year: int) -> Any:
    budget = selectors.budget_get(user=request.user, year=fiscal_year)
    return {
        "fiscal_year": budget.year,
        "currency": budget.currency,
        "months": budget.months,
        "rows": [
            {
                "category": _category_out(row.category),
                "months": [
                    dict(zip(("line", "planned", "budget", "actual", "variance"), c, strict=True))
                    | {"month": m}
                    for m, c in zip(budget.months, row.cells, strict=True)
                ],
                "budget_total": row.budget_total,
                "actual_total": row.actual_total,
                "variance_total": row.variance_total,
            }
            for row in budget.rows
        ],
    }


@router.put("/budget-lines", response=BudgetLineOut)
def budget_line_set(request: HttpRequest, payload: BudgetLineIn) -> Any:
    return services.budget_line_set(actor=request.user, **payload.dict())


@router.post("/budgets/{fiscal_year}/import", response={201: list[BudgetLineOut]})
def budget_import(request: HttpRequest, fiscal_year: int, file: File[UploadedFile]) -> Any:
    lines = services.budget_import(actor=request.user, fiscal_year=fiscal_year, content=file.read())
    return Status(201, lines)


@router.get("/planned-items", response=list[PlannedItemOut])
@paginated(sorts=("first_date", "end_date", "description"), default="first_date")
def planned_item_list(request: HttpRequest) -> Any:
    return selectors.planned_item_list(user=request.user)


@router.post("/planned-items", response={201: PlannedItemOut})
def planned_item_create(request: HttpRequest, payload: PlannedItemIn) -> Any:
    return Status(201, services.planned_item_save(actor=request.user, **payload.dict()))


@router.put("/planned-items/{item_id}", response=PlannedItemOut)
def planned_item_change(request: HttpRequest, item_id: int, payload: PlannedItemIn) -> Any:
    return services.planned_item_save(actor=request.user, item_id=item_id, **payload.dict())


@router.delete("/planned-items/{item_id}", response={204: None})
def planned_item_delete(request: HttpRequest, item_id: int) -> Any:
    services.planned_item_delete(actor=request.user, item_id=item_id)
    return Status(204, None)


@router.get("/forecast-settings", response=ForecastSettingsIO)
def forecast_settings_get(request: HttpRequest) -> Any:
    require(request.user, "view", TreasurySettings)
    return selectors.treasury_settings()


@router.put("/forecast-settings", response=ForecastSettingsIO)
def forecast_settings_set(request: HttpRequest, payload: ForecastSettingsIO) -> Any:
    return services.treasury_settings_update(
        actor=request.user,
        minimum_balance=payload.minimum_balance,
        minimum_currency=payload.minimum_currency,
        shortfall_alert_percent=payload.shortfall_alert_percent,
    )


@router.post("/forecasts", response={202: CashForecastOut})
def forecast_create(request: HttpRequest, payload: ForecastIn) -> Any:
    """Queue a forecast; poll `GET /forecasts/{id}` until its status is `done`."""
    run = services.forecast_run_create(
        actor=request.user, as_of=payload.as_of, paths=payload.paths, seed=payload.seed
    )
    return Status(202, run)


@router.get("/forecasts", response=list[CashForecastOut])
def forecast_list(request: HttpRequest, limit: int = 20) -> Any:
    return list(selectors.forecast_list(user=request.user)[: max(1, min(limit, 100))])


@router.get("/forecasts/latest", response=CashForecastOut)
def forecast_latest(request: HttpRequest) -> Any:
    run = selectors.forecast_latest(user=request.user)
    if run is None:
        raise DomainError(TreasuryError.FORECAST_NOT_FOUND)
    return run


@router.get("/forecast-accuracy", response=CashAccuracyOut)
def forecast_accuracy(request: HttpRequest) -> Any:
    """The kept forecasts' passed weeks against what came in, per horizon, and the latest
    forecast's backtest of its model."""
    scores = selectors.forecast_accuracy(user=request.user)
    latest = selectors.forecast_latest(user=request.user)
    return {
        "forecasts": scores.forecasts,
        "horizons": scores.horizons,
        "recent": scores.recent,
        "backtest": latest.model.get("backtest") if latest else None,
    }


@router.get("/forecasts/{forecast_id}", response=CashForecastOut)
def forecast_get(request: HttpRequest, forecast_id: int) -> Any:
    return selectors.forecast_get(user=request.user, forecast_id=forecast_id)


@router.get("/scenarios", response=list[ScenarioOut])
def scenario_list(request: HttpRequest) -> Any:
    return list(selectors.scenario_list(user=request.user))


@router.post("/scenarios", response={201: ScenarioOut})
def scenario_create(request: HttpRequest, payload: ScenarioIn) -> Any:
    scenario = services.scenario_save(
        actor=request.user,
        name=payload.name,
        description=payload.description,
        parameters=payload.parameters,
    )
    return Status(201, scenario)


@router.put("/scenarios/{scenario_id}", response=ScenarioOut)
def scenario_update(request: HttpRequest, scenario_id: int, payload: ScenarioIn) -> Any:
    return services.scenario_save(
        actor=request.user,
        scenario_id=scenario_id,
        name=payload.name,
        description=payload.description,
        parameters=payload.parameters,
    )


@router.delete("/scenarios/{scenario_id}", response={204: None})
def scenario_delete(request: HttpRequest, scenario_id: int) -> Any:
    services.scenario_delete(actor=request.user, scenario_id=scenario_id)
    return Status(204, None)


@router.post("/scenarios/{scenario_id}/run", response={202: CashForecastOut})
def scenario_run(request: HttpRequest, scenario_id: int, payload: ForecastIn) -> Any:
    """Queue the scenario beside the base (same data, same seed); poll `GET /forecasts/{id}`:
    `weeks` are the scenario's, `base_weeks` the base's."""
    run = services.forecast_run_create(
        actor=request.user,
        as_of=payload.as_of,
        paths=payload.paths,
        seed=payload.seed,
        scenario_id=scenario_id,
    )
    return Status(202, run)


@router.get("/value-settings", response=ValueSettingsOut)
def value_settings_get(request: HttpRequest) -> Any:
    require(request.user, "view", TreasurySettings)
    return selectors.treasury_settings()


@router.put("/value-settings", response=ValueSettingsOut)
def value_settings_set(request: HttpRequest, payload: ValueSettingsIn) -> Any:
    return services.treasury_settings_update(actor=request.user, **payload.dict())


@router.get("/customer-value", response=CustomerValueRankingOut)
def customer_value(
    request: HttpRequest,
    months: int = 12,
    sort: str = "contribution",
    limit: int = 100,
    offset: int = 0,
) -> Any:
    """Per customer, revenue, gross margin, cost to collect, days to pay and their financing
    cost over the months to today, ranked (decision 057); `limit` rows from `offset`."""
    ranking = selectors.customer_value(user=request.user, months=months, sort=sort)
    return {
        "start": ranking.start,
        "end": ranking.end,
        "currency": base_currency(),
        "settings": ranking.settings,
        "total": ranking.total,
        "count": len(ranking.rows),
        "rows": ranking.rows[max(offset, 0) : max(offset, 0) + min(max(limit, 0), 1000)],
    }
