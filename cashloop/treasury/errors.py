"""Error codes of treasury: exchange rates, the cash position, budgets and planned items."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class TreasuryError(ErrorCode):
    RATE_MISSING = (
        "treasury.rate_missing",
        422,
        _("No exchange rate of {currency} on or before {date}; add one under Treasury, Rates."),
    )
    RATE_NOT_POSITIVE = ("treasury.rate_not_positive", 422, _("A rate must be more than 0."))
    RATE_BASE_CURRENCY = (
        "treasury.rate_base_currency",
        422,
        _("{currency} is the base currency: its rate is always 1."),
    )
    RANGE_INVALID = (
        "treasury.range_invalid",
        422,
        _("The range must start before it ends and span at most {days} days."),
    )
    FISCAL_YEAR_INVALID = (
        "treasury.fiscal_year_invalid",
        422,
        _("A fiscal year is a year between {first} and {last}."),
    )
    MONTH_OUTSIDE_FISCAL_YEAR = (
        "treasury.month_outside_fiscal_year",
        422,
        _("{month} is not in the fiscal year {year} being edited."),
    )
    AMOUNT_NEGATIVE = (
        "treasury.amount_negative",
        422,
        _("A budget amount cannot be negative; the category says whether it is in or out."),
    )
    AMOUNT_INVALID = ("treasury.amount_invalid", 422, _("Not an amount: {value}."))
    CATEGORY_UNKNOWN = ("treasury.category_unknown", 422, _("Unknown budget category: {category}."))
    ACCOUNT_UNKNOWN = (
        "treasury.account_unknown",
        422,
        _("No ledger account with the code {accounts}."),
    )
    FISCAL_START_INVALID = (
        "treasury.fiscal_start_invalid",
        422,
        _("The fiscal year starts in a month from 1 to 12."),
    )
    IMPORT_UNREADABLE = (
        "treasury.import_unreadable",
        400,
        _("The file could not be read as an Excel workbook (.xlsx): {reason}"),
    )
    IMPORT_INVALID = (
        "treasury.import_invalid",
        422,
        _("{count} cells or rows are not valid; nothing was imported."),
    )
    PLANNED_ITEM_NOT_FOUND = (
        "treasury.planned_item_not_found",
        404,
        _("No such planned item."),
    )
    PLANNED_ITEM_DATES = (
        "treasury.planned_item_dates",
        422,
        _("A planned item ends on or after its first date."),
    )
    PLANNED_ITEM_FREQUENCY = (
        "treasury.planned_item_frequency",
        422,
        _("Unknown frequency: {frequency}."),
    )
    DESCRIPTION_REQUIRED = ("treasury.description_required", 422, _("Say what it is for."))
    ALERT_PERCENT_INVALID = (
        "treasury.alert_percent_invalid",
        422,
        _("The alert is a chance from 1 to 100%."),
    )
    # The payment-behaviour model and its backtest (decision 053), the forecast (055).
    BACKTEST_NO_HISTORY = (
        "treasury.backtest_no_history",
        422,
        _("Nothing had been paid by {as_of}: the history starts on {first}."),
    )
    BACKTEST_NO_OUTCOME = (
        "treasury.backtest_no_outcome",
        422,
        _("Nothing open on {as_of} has been paid since: pick an earlier day."),
    )
    PATHS_INVALID = (
        "treasury.paths_invalid",
        422,
        _("A forecast simulates from {low} to {high} paths."),
    )
    FORECAST_NOT_FOUND = ("treasury.forecast_not_found", 404, _("No such forecast."))
    SCENARIO_INVALID = (
        "treasury.scenario_invalid",
        422,
        _("Scenario parameter {field}: {reason}."),
    )
    SCENARIO_CONTRADICTORY = (
        "treasury.scenario_contradictory",
        422,
        _("The scenario contradicts itself at {field}: say both what changes and for whom."),
    )
    SCENARIO_EMPTY = ("treasury.scenario_empty", 422, _("The scenario changes nothing."))
    SCENARIO_NOT_FOUND = ("treasury.scenario_not_found", 404, _("No such scenario."))
    SCENARIO_NAME_TAKEN = (
        "treasury.scenario_name_taken",
        409,
        _("A scenario is already called {name}."),
    )
    # The customer value ranking (decision 057).
    PERCENT_INVALID = (
        "treasury.percent_invalid",
        422,
        _("A percentage runs from 0 to 100."),
    )
    COST_INVALID = ("treasury.cost_invalid", 422, _("A cost cannot be negative."))
    VALUE_MONTHS_INVALID = (
        "treasury.value_months_invalid",
        422,
        _("Customer value looks back from 1 to {high} months."),
    )
    VALUE_SORT_INVALID = (
        "treasury.value_sort_invalid",
        422,
        _("Customer value sorts by one of: {choices}."),
    )
