"""API shapes of treasury: rates, the cash position, budgets, planned items and forecasts."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema


class RateIn(InSchema):
    currency: str
    date: date
    rate: Decimal


class RateOut(Schema):
    id: int
    currency: str
    date: date
    rate: Decimal


class AccountPositionOut(Schema):
    bank_account_id: int
    name: str
    currency: str
    book: Decimal
    bank: Decimal | None
    difference: Decimal | None
    rate: Decimal | None
    balance_base: Decimal
    shared_ledger_account: bool


class CashPositionOut(Schema):
    as_of: date
    currency: str
    total: Decimal
    total_book: Decimal
    accounts: list[AccountPositionOut]


class HistoryPointOut(Schema):
    date: date
    total: Decimal
    book: Decimal


class FiscalYearIO(InSchema):
    fiscal_year_start_month: int


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    direction: str
    account_codes: list[str]


class CategoryAccountsIn(InSchema):
    account_codes: list[str]


class BudgetLineIn(InSchema):
    fiscal_year: int
    category_id: int
    month: date
    amount: Decimal


class BudgetLineOut(Schema):
    id: int
    category_id: int
    month: date
    amount: Decimal


class BudgetMonthOut(Schema):
    month: date
    line: Decimal | None
    planned: Decimal
    budget: Decimal
    actual: Decimal | None
    variance: Decimal | None


class BudgetRowOut(Schema):
    category: CategoryOut
    months: list[BudgetMonthOut]
    budget_total: Decimal
    actual_total: Decimal | None
    variance_total: Decimal | None


class BudgetOut(Schema):
    fiscal_year: int
    currency: str
    months: list[date]
    rows: list[BudgetRowOut]


class PlannedItemIn(InSchema):
    category_id: int
    description: str
    amount: Decimal
    first_date: date
    end_date: date | None = None
    frequency: str


class PlannedItemOut(Schema):
    id: int
    category_id: int
    description: str
    amount: Decimal
    first_date: date
    end_date: date | None
    frequency: str


class ForecastSettingsIO(InSchema):
    minimum_balance: Decimal
    minimum_currency: str = ""
    shortfall_alert_percent: int


class ForecastIn(InSchema):
    as_of: date | None = None
    paths: int = 1000
    seed: int | None = Field(None, ge=0, le=2_147_483_647)


class ForecastPeriodOut(Schema):
    start: date
    end: date
    inflow_p10: float
    inflow_p50: float
    inflow_p90: float
    inflow_mean: float
    inflow_due_date: float
    planned_in: float
    planned_out: float
    balance_p10: float
    balance_p50: float
    balance_p90: float
    shortfall: float


class ForecastDriverOut(Schema):
    customer_id: int
    customer: str
    expected: float
    open_amount: float
    receipts: int


class ScenarioIn(InSchema):
    name: str
    description: str = ""
    parameters: dict[str, Any]


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    parameters: dict[str, Any]


class CashForecastOut(Schema):
    id: int
    as_of: date
    scenario_id: int | None
    parameters: dict[str, Any]
    status: str
    progress: int
    paths: int
    seed: int
    currency: str
    opening: Decimal
    minimum: Decimal
    weeks: list[ForecastPeriodOut]
    months: list[ForecastPeriodOut]
    base_weeks: list[ForecastPeriodOut]
    base_months: list[ForecastPeriodOut]
    drivers: list[ForecastDriverOut]
    model: dict[str, Any]
    error: str
    created_at: datetime
    finished_at: datetime | None


class HorizonOut(Schema):
    weeks_ahead: int
    pairs: int
    wape: float | None
    wape_due_date: float | None
    coverage: float | None


class PastWeekOut(Schema):
    start: date
    end: date
    actual: float
    p10: float
    p50: float
    p90: float
    due_date: float
    inside: bool


class CashAccuracyOut(Schema):
    forecasts: int
    horizons: list[HorizonOut]
    recent: list[PastWeekOut]
    backtest: dict[str, Any] | None


class ValueSettingsIn(InSchema):
    financing_rate_percent: Decimal
    reminder_cost: Decimal
    contact_cost: Decimal
    assumed_margin_percent: Decimal


class ValueSettingsOut(Schema):
    financing_rate_percent: Decimal
    reminder_cost: Decimal
    contact_cost: Decimal
    assumed_margin_percent: Decimal


class CustomerValueOut(Schema):
    customer_id: int
    name: str
    revenue: Decimal
    cost_known_percent: float | None
    gross_margin: Decimal
    margin_percent: float | None
    reminders: int
    contacts: int
    cost_to_collect: Decimal
    days_to_pay: float | None
    financing_cost: Decimal
    contribution: Decimal
    contribution_percent: float | None
    revenue_rank: int
    value_rank: int
    verdict: str


class CustomerValueRankingOut(Schema):
    start: date
    end: date
    currency: str
    settings: ValueSettingsOut
    total: CustomerValueOut
    count: int
    rows: list[CustomerValueOut]
