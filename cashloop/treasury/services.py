"""Writes of treasury: exchange rates, the settings, budget lines (one by one or a year
from Excel) and planned items (decision 054), and cash forecasts (decision 055).

Each write checks the right, refuses bad input with a `treasury.*` code before changing
anything, and records the change in the audit trail in its own transaction.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, quantize, to_decimal
from cashloop.core.scoping import require
from cashloop.identity.models import User
from cashloop.ledger.models import Account
from cashloop.treasury.choices import ForecastStatus, Frequency
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.forecast import PATHS as DEFAULT_PATHS
from cashloop.treasury.forecast import figures
from cashloop.treasury.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    ForecastRun,
    PlannedItem,
    Scenario,
    TreasurySettings,
)
from cashloop.treasury.scenarios import params_check
from cashloop.treasury.selectors import (
    check_in_fiscal_year,
    company_cash,
    minimum_in_base,
    rate_on,
    treasury_settings,
)

RATE_PLACES = Decimal("0.00000001")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


# --- exchange rates ------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(*, actor: User, currency: str, day: date, rate: Decimal) -> ExchangeRate:
    """Record (or correct) the rate of a currency on a day, to 8 decimals."""
    require(actor, "add", ExchangeRate)
    code = currency_check(currency)
    if code == base_currency():
        raise DomainError(TreasuryError.RATE_BASE_CURRENCY, currency=code)
    value = to_decimal(rate).quantize(RATE_PLACES, ROUND_HALF_UP)
    if value <= 0:
        raise DomainError(TreasuryError.RATE_NOT_POSITIVE, details={"rate": str(rate)})
    existing = ExchangeRate.objects.select_for_update().filter(currency=code, date=day).first()
    if existing is None:
        made = ExchangeRate.objects.create(currency=code, date=day, rate=value, created_by=actor)
        audit_record(actor=actor, instance=made, action=AuditAction.CREATE)
        return made
    before = audit_snapshot(existing)
    existing.rate = value
    existing.save(update_fields=["rate", "updated_at"])
    audit_record(actor=actor, instance=existing, action=AuditAction.UPDATE, before=before)
    return existing


# --- fiscal year ---------------------------------------------------------------------------


@transaction.atomic
def treasury_settings_update(
    *,
    actor: User,
    fiscal_year_start_month: int | None = None,
    minimum_balance: Decimal | None = None,
    minimum_currency: str | None = None,
    shortfall_alert_percent: int | None = None,
    financing_rate_percent: Decimal | None = None,
    reminder_cost: Decimal | None = None,
    contact_cost: Decimal | None = None,
    assumed_margin_percent: Decimal | None = None,
) -> TreasurySettings:
    """Change the settings given (None keeps one).  A minimum in another currency than the
    base needs a rate today, or the forecast could not compare with it."""
    require(actor, "change", TreasurySettings)
    if fiscal_year_start_month is not None and not 1 <= fiscal_year_start_month <= 12:
        raise DomainError(TreasuryError.FISCAL_START_INVALID)
    if shortfall_alert_percent is not None and not 1 <= shortfall_alert_percent <= 100:
        raise DomainError(TreasuryError.ALERT_PERCENT_INVALID)
    value_settings = {
        "financing_rate_percent": _checked(financing_rate_percent, "financing_rate_percent", 100),
        "assumed_margin_percent": _checked(assumed_margin_percent, "assumed_margin_percent", 100),
        "reminder_cost": _checked(reminder_cost, "reminder_cost"),
        "contact_cost": _checked(contact_cost, "contact_cost"),
    }
    current = treasury_settings()
    if current.pk is not None:
        current = TreasurySettings.objects.select_for_update().get(pk=current.pk)
    before = audit_snapshot(current) if current.pk is not None else None
    if minimum_currency is not None:
        currency = currency_check(minimum_currency.upper()) if minimum_currency else ""
        if currency and currency != base_currency():
            rate_on(currency, timezone.localdate())  # treasury.rate_missing without one
        current.minimum_currency = "" if currency == base_currency() else currency
    if minimum_balance is not None:
        current.minimum_balance = quantize(
            minimum_balance, current.minimum_currency or base_currency()
        )
    if fiscal_year_start_month is not None:
        current.fiscal_year_start_month = fiscal_year_start_month
    if shortfall_alert_percent is not None:
        current.shortfall_alert_percent = shortfall_alert_percent
    for name, value in value_settings.items():
        if value is not None:
            setattr(current, name, value)
    current.save()
    if before is None:
        audit_record(actor=actor, instance=current, action=AuditAction.CREATE)
    else:
        audit_record(actor=actor, instance=current, action=AuditAction.UPDATE, before=before)
    return current


def _checked(value: Decimal | None, field: str, high: int | None = None) -> Decimal | None:
    """A percentage from 0 to `high`, or a cost of at least 0, to two places."""
    if value is None:
        return None
    number = to_decimal(value)
    if high is not None and not 0 <= number <= high:
        raise DomainError(TreasuryError.PERCENT_INVALID, details={"field": field})
    if number < 0:
        raise DomainError(TreasuryError.COST_INVALID, details={"field": field})
    return number.quantize(Decimal("0.01"))


# --- budget categories ----------------------------------------------------------------------


@transaction.atomic
def budget_category_accounts_set(
    *, actor: User, category_id: int, account_codes: list[str]
) -> BudgetCategory:
    """Say which ledger accounts hold a category's actuals (decision 054)."""
    require(actor, "change", BudgetCategory)
    category = BudgetCategory.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise DomainError(TreasuryError.CATEGORY_UNKNOWN, category=category_id)
    codes = sorted({code.strip() for code in account_codes if code.strip()})
    accounts = list(Account.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {a.code for a in accounts})
    if unknown:
        raise DomainError(
            TreasuryError.ACCOUNT_UNKNOWN,
            accounts=", ".join(unknown),
            details={"account_codes": unknown},
        )
    before = audit_snapshot(category)
    category.accounts.set(accounts)
    audit_record(actor=actor, instance=category, action=AuditAction.UPDATE, before=before)
    return category


# --- budget lines --------------------------------------------------------------------------


def _amount(value: Decimal | int | str) -> Decimal:
    amount = quantize(value, base_currency())
    if amount < 0:
        raise DomainError(TreasuryError.AMOUNT_NEGATIVE, details={"amount": str(value)})
    return amount


def _category(category_id: int) -> BudgetCategory:
    category = BudgetCategory.objects.filter(pk=category_id, active=True).first()
    if category is None:
        raise DomainError(TreasuryError.CATEGORY_UNKNOWN, category=category_id)
    return category


def _line_set(*, actor: User, category: BudgetCategory, month: date, amount: Decimal) -> BudgetLine:
    line = BudgetLine.objects.select_for_update().filter(category=category, month=month).first()
    if line is None:
        line = BudgetLine.objects.create(category=category, month=month, amount=amount)
        audit_record(actor=actor, instance=line, action=AuditAction.CREATE)
        return line
    before = audit_snapshot(line)
    line.amount = amount
    line.save(update_fields=["amount", "updated_at"])
    audit_record(actor=actor, instance=line, action=AuditAction.UPDATE, before=before)
    return line


@transaction.atomic
def budget_line_set(
    *,
    actor: User,
    fiscal_year: int,
    category_id: int,
    month: date,
    amount: Decimal | int | str,
) -> BudgetLine:
    """Set a category's budget for a month of the fiscal year being edited (upsert)."""
    require(actor, "change", BudgetLine)
    first = check_in_fiscal_year(month, fiscal_year)
    value = _amount(amount)
    return _line_set(actor=actor, category=_category(category_id), month=first, amount=value)


@dataclass(frozen=True)
class CellError:
    line: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


_MONTH_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})?\s*日?)?\s*$")


def _month_of(value: Any) -> date | None:
    """A header cell as a month: an Excel date, or text such as 2026-04, 2026/4, 2026年4月."""
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    found = _MONTH_TEXT.match(str(value or ""))
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        return None


def _cell_amount(value: Any) -> Decimal:
    # Excel keeps numbers as binary floats; their shortest repr is the figure the user typed,
    # so it is read through its text, never used as a float.
    text = repr(value) if isinstance(value, float) else str(value).replace(",", "").strip()
    try:
        return to_decimal(text)
    except ValueError:
        raise DomainError(TreasuryError.AMOUNT_INVALID, value=value) from None


def _sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError(TreasuryError.IMPORT_UNREADABLE, reason=_("larger than 5 MB"))
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise DomainError(TreasuryError.IMPORT_UNREADABLE, reason=type(exc).__name__) from exc


@transaction.atomic
def budget_import(*, actor: User, fiscal_year: int, content: bytes) -> list[BudgetLine]:
    """Set the budget from an Excel sheet: a header row of months, then one row per
    category (its code, or its Chinese or English name) with an amount per month; empty
    cells are left as they are.  All or nothing: any bad cell is `treasury.import_invalid`
    with `details["errors"] = [{line, column, code, message}]` and nothing is set."""
    from openpyxl.utils import get_column_letter

    require(actor, "change", BudgetLine)
    rows = _sheet_rows(content)
    if not rows:
        raise DomainError(TreasuryError.IMPORT_UNREADABLE, reason=_("the sheet is empty"))
    errors: list[CellError] = []

    def refuse(line: int, column: int, exc: DomainError) -> None:
        errors.append(CellError(line, get_column_letter(column), exc.code.code, str(exc.message)))

    months: dict[int, date] = {}
    for column, value in enumerate(rows[0][1:], start=2):
        if value is None or str(value).strip() == "":
            continue
        month = _month_of(value)
        if month is None:
            reason = _("not a month: %(value)s") % {"value": value}
            raise DomainError(TreasuryError.IMPORT_UNREADABLE, reason=reason)
        try:
            months[column] = check_in_fiscal_year(month, fiscal_year)
        except DomainError as exc:
            refuse(1, column, exc)
    names: dict[str, BudgetCategory] = {}
    for known in BudgetCategory.objects.filter(active=True):
        for key in (known.code, known.name_zh, known.name_en):
            names[key.strip().lower()] = known
    wanted: list[tuple[BudgetCategory, date, Decimal]] = []
    for line, row in enumerate(rows[1:], start=2):
        label = str(row[0] if row and row[0] is not None else "").strip()
        cells = [
            (c, v) for c, v in enumerate(row[1:], start=2) if c in months and v not in (None, "")
        ]
        if not label and not cells:
            continue
        category = names.get(label.lower())
        if category is None:
            refuse(line, 1, DomainError(TreasuryError.CATEGORY_UNKNOWN, category=label))
            continue
        for column, value in cells:
            try:
                wanted.append((category, months[column], _amount(_cell_amount(value))))
            except DomainError as exc:
                refuse(line, column, exc)
    if errors:
        raise DomainError(
            TreasuryError.IMPORT_INVALID,
            count=len(errors),
            details={"errors": [e.as_dict() for e in errors]},
        )
    return [_line_set(actor=actor, category=c, month=m, amount=a) for c, m, a in wanted]


# --- planned items -------------------------------------------------------------------------


@transaction.atomic
def planned_item_save(
    *,
    actor: User,
    item_id: int | None = None,
    category_id: int,
    description: str,
    amount: Decimal | int | str,
    first_date: date,
    end_date: date | None = None,
    frequency: str,
) -> PlannedItem:
    """Create a planned item (item_id None) or change one."""
    require(actor, "add" if item_id is None else "change", PlannedItem)
    text = description.strip()
    if not text:
        raise DomainError(
            TreasuryError.DESCRIPTION_REQUIRED, details={"description": [_("Required.")]}
        )
    if end_date is not None and end_date < first_date:
        raise DomainError(TreasuryError.PLANNED_ITEM_DATES)
    if frequency not in Frequency.values:
        raise DomainError(TreasuryError.PLANNED_ITEM_FREQUENCY, frequency=frequency)
    values = {
        "category": _category(category_id),
        "description": text[:200],
        "amount": _amount(amount),
        "first_date": first_date,
        "end_date": end_date,
        "frequency": frequency,
    }
    if item_id is None:
        item = PlannedItem.objects.create(created_by=actor, **values)
        audit_record(actor=actor, instance=item, action=AuditAction.CREATE)
        return item
    found = PlannedItem.objects.select_for_update().filter(pk=item_id).first()
    if found is None:
        raise DomainError(TreasuryError.PLANNED_ITEM_NOT_FOUND)
    before = audit_snapshot(found)
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    audit_record(actor=actor, instance=found, action=AuditAction.UPDATE, before=before)
    return found


@transaction.atomic
def planned_item_delete(*, actor: User, item_id: int) -> None:
    require(actor, "delete", PlannedItem)
    item = PlannedItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise DomainError(TreasuryError.PLANNED_ITEM_NOT_FOUND)
    audit_record(actor=actor, instance=item, action=AuditAction.DELETE, before=audit_snapshot(item))
    item.delete()


# --- the cash forecast (decision 055) --------------------------------------------------------

PATHS_RANGE = (100, 10_000)


@transaction.atomic
def forecast_run_create(
    *,
    actor: User | None,
    as_of: date | None = None,
    paths: int = DEFAULT_PATHS,
    seed: int | None = None,
    scenario_id: int | None = None,
) -> ForecastRun:
    """Queue a forecast from `as_of` (today); the worker computes it (`tasks.forecast_compute`)
    and the page follows its progress.  With a scenario, the run computes it and the base
    side by side (decision 056).  actor None is the daily schedule."""
    if actor is not None:
        require(actor, "add", ForecastRun)
    scenario = None
    if scenario_id is not None:
        scenario = Scenario.objects.filter(pk=scenario_id).first()
        if scenario is None:
            raise DomainError(TreasuryError.SCENARIO_NOT_FOUND)
        params_check(scenario.parameters)  # what was valid when saved may point to nothing now
    low, high = PATHS_RANGE
    if not low <= paths <= high:
        raise DomainError(TreasuryError.PATHS_INVALID, low=low, high=high)
    day = as_of or timezone.localdate()
    # The opening and the minimum are checked now: a missing rate is the user's to fix.
    opening = company_cash(day).total
    minimum = minimum_in_base(treasury_settings(), day)
    run = ForecastRun.objects.create(
        as_of=day,
        scenario=scenario,
        parameters=scenario.parameters if scenario is not None else {},
        paths=paths,
        seed=seed if seed is not None else secrets.randbelow(2**31),
        currency=base_currency(),
        opening=opening,
        minimum=minimum,
        created_by=actor,
    )
    audit_record(actor=actor, instance=run, action=AuditAction.CREATE)
    from cashloop.treasury.tasks import forecast_compute

    transaction.on_commit(partial(forecast_compute.enqueue, run.pk))
    return run


def forecast_run_compute(*, run_id: int) -> ForecastRun:
    """Compute a queued forecast, saving its progress as it goes (outside any transaction,
    so the page sees it), then its figures, and alert when the balance may go below the
    minimum.  A run already done is left as it is (the task may be delivered twice)."""
    run = ForecastRun.objects.get(pk=run_id)
    if run.status == ForecastStatus.DONE:
        return run

    def progress(percent: int) -> None:
        ForecastRun.objects.filter(pk=run_id).update(
            status=ForecastStatus.RUNNING, progress=percent
        )

    progress(5)
    try:
        result = figures(
            as_of=run.as_of,
            opening=float(run.opening),
            minimum=float(run.minimum),
            paths=run.paths,
            seed=run.seed,
            progress=progress,
            scenario=params_check(run.parameters) if run.parameters else None,
        )
    except Exception as exc:
        ForecastRun.objects.filter(pk=run_id).update(
            status=ForecastStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().get(pk=run_id)
        for name, value in result.items():
            setattr(run, name, value)
        run.status = ForecastStatus.DONE
        run.progress = 100
        run.finished_at = timezone.now()
        run.save()
        if run.scenario_id is None:
            _shortfall_alert(run)
    return run


def _shortfall_alert(run: ForecastRun) -> None:
    """Tell the treasurers (in the app and by email) when, in some week of the next 13,
    the chance of the balance going below the minimum reaches the setting's percent."""
    threshold = treasury_settings().shortfall_alert_percent / 100
    worst = max(run.weeks, key=lambda week: week["shortfall"], default=None)
    if worst is None or worst["shortfall"] < threshold:
        return
    from cashloop.notifications.services import notification_send

    treasurers = User.objects.filter(is_active=True, roles__code="treasurer").distinct()
    notification_send(
        users=treasurers,
        title=_("Cash may fall below the minimum in the week of %(week)s")
        % {"week": worst["start"]},
        body=_(
            "The forecast of %(day)s gives a %(chance)d%% chance that the balance is below "
            "%(minimum)s %(currency)s that week."
        )
        % {
            "day": run.as_of.isoformat(),
            "chance": round(worst["shortfall"] * 100),
            "minimum": run.minimum,
            "currency": run.currency,
        },
        url=reverse("treasury:forecast"),
    )


@transaction.atomic
def scenario_save(
    *,
    actor: User,
    name: str,
    parameters: dict[str, Any],
    description: str = "",
    scenario_id: int | None = None,
) -> Scenario:
    """Create a scenario, or change one; its parameters are checked first (decision 056)."""
    require(actor, "add" if scenario_id is None else "change", Scenario)
    name = name.strip()
    if not name:
        raise DomainError(TreasuryError.DESCRIPTION_REQUIRED)
    params = params_check(parameters)
    taken = Scenario.objects.filter(name=name)
    if scenario_id is not None:
        taken = taken.exclude(pk=scenario_id)
    if taken.exists():
        raise DomainError(TreasuryError.SCENARIO_NAME_TAKEN, name=name)
    if scenario_id is None:
        scenario = Scenario.objects.create(
            name=name, description=description, parameters=params.as_json(), created_by=actor
        )
        audit_record(actor=actor, instance=scenario, action=AuditAction.CREATE)
        return scenario
    scenario = _scenario_locked(scenario_id)
    before = audit_snapshot(scenario)
    scenario.name, scenario.description = name, description
    scenario.parameters = params.as_json()
    scenario.save()
    audit_record(actor=actor, instance=scenario, action=AuditAction.UPDATE, before=before)
    return scenario


@transaction.atomic
def scenario_delete(*, actor: User, scenario_id: int) -> None:
    """Delete a scenario and the runs made of it."""
    require(actor, "delete", Scenario)
    scenario = _scenario_locked(scenario_id)
    audit_record(actor=actor, instance=scenario, action=AuditAction.DELETE)
    scenario.delete()


def _scenario_locked(scenario_id: int) -> Scenario:
    try:
        return Scenario.objects.select_for_update().get(pk=scenario_id)
    except Scenario.DoesNotExist:
        raise DomainError(TreasuryError.SCENARIO_NOT_FOUND) from None
