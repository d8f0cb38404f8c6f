"""Reads of treasury: exchange rates, the cash position and its history, the fiscal year,
the budget grid, planned items as dated flows, budget against actual (decision 054), and
customer value (decision 057).

Treasury data is company-wide: each selector asks `require(user, ...)` on the object type
it shows; the cash position reads the bank accounts through banking's own selector.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cashloop.banking.choices import ImportStatus
from cashloop.banking.models import BankAccount, StatementImport, StatementLine
from cashloop.banking.selectors import bank_account_list
from cashloop.core.dates import add_months, month_start
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import ScopedUser, require
from cashloop.core.verify import money_sum
from cashloop.ledger.models import JournalLine
from cashloop.treasury import value
from cashloop.treasury.accuracy import Accuracy, accuracy
from cashloop.treasury.choices import FREQUENCY_MONTHS, Direction, ForecastStatus, Frequency
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    ForecastRun,
    PlannedItem,
    Scenario,
    TreasurySettings,
)
from cashloop.treasury.value import Ranking

ZERO = Decimal(0)
ONE = Decimal(1)
# The longest history one request may ask for; weekly points beyond a quarter.
HISTORY_MAX_DAYS = 732
DAILY_UP_TO_DAYS = 92


# --- exchange rates ------------------------------------------------------------------------


def exchange_rate_list(*, user: ScopedUser, currency: str = "") -> QuerySet[ExchangeRate]:
    require(user, "view", ExchangeRate)
    rows = ExchangeRate.objects.order_by("currency", "-date", "-pk")
    return rows.filter(currency=currency.upper()) if currency else rows


def rate_missing(currency: str, day: date) -> DomainError:
    return DomainError(
        TreasuryError.RATE_MISSING,
        currency=currency,
        date=day.isoformat(),
        details={"currency": currency, "date": day.isoformat()},
    )


class RateBook:
    """The rates of some currencies up to a day, read once; `on(currency, day)` is the
    latest on or before the day, 1 for the base currency, else `treasury.rate_missing`."""

    def __init__(self, currencies: Iterable[str], until: date) -> None:
        self.base = base_currency()
        self._rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        wanted = {c for c in currencies if c != self.base}
        if wanted:
            rows = ExchangeRate.objects.filter(currency__in=wanted, date__lte=until)
            for currency, day, rate in rows.order_by("date").values_list(
                "currency", "date", "rate"
            ):
                self._rates[currency].append((day, rate))

    def find(self, currency: str, day: date) -> Decimal | None:
        if currency == self.base:
            return ONE
        found = None
        for rate_day, rate in self._rates.get(currency, ()):
            if rate_day > day:
                break
            found = rate
        return found

    def on(self, currency: str, day: date) -> Decimal:
        found = self.find(currency, day)
        if found is None:
            raise rate_missing(currency, day)
        return found


def rate_on(currency: str, day: date) -> Decimal:
    """Units of the base currency per unit of `currency` on `day` (the latest rate on or
    before it); the base currency is 1; no rate is `treasury.rate_missing`."""
    code = currency.upper()
    if code == base_currency():
        return ONE
    rate = (
        ExchangeRate.objects.filter(currency=code, date__lte=day)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise rate_missing(code, day)
    return rate


# --- cash position -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPosition:
    """One bank account on a day: the book balance (the ledger), the bank balance (its
    statements; None before any) and, in base currency, the cash it counts for."""

    bank_account: BankAccount
    currency: str
    book: Decimal
    bank: Decimal | None
    # None only for an account holding nothing in a currency without a rate yet.
    rate: Decimal | None
    shared_ledger_account: bool

    @property
    def difference(self) -> Decimal | None:
        """Bank minus book: what the bank has seen and the ledger not yet (or the other way)."""
        return None if self.bank is None else self.bank - self.book

    @property
    def balance(self) -> Decimal:
        """The cash: what the bank says where it has said anything, else the book."""
        return self.book if self.bank is None else self.bank

    @property
    def balance_base(self) -> Decimal:
        return quantize(self.balance * (self.rate or ZERO), base_currency())

    @property
    def book_base(self) -> Decimal:
        return quantize(self.book * (self.rate or ZERO), base_currency())


@dataclass(frozen=True)
class CashPosition:
    as_of: date
    currency: str
    accounts: list[AccountPosition]

    @property
    def total(self) -> Decimal:
        return quantize(sum((a.balance_base for a in self.accounts), ZERO), self.currency)

    @property
    def total_book(self) -> Decimal:
        return quantize(sum((a.book_base for a in self.accounts), ZERO), self.currency)


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    total: Decimal
    book: Decimal


class _Movements:
    """Every bank account's book and bank movements by day up to `until`, read in three
    queries, so a balance on any day is a running sum and a series costs no more."""

    def __init__(self, accounts: Sequence[BankAccount], until: date) -> None:
        self.accounts = accounts
        ledger_ids = {a.ledger_account_id for a in accounts}
        self.book: dict[tuple[int, str], list[tuple[date, Decimal]]] = defaultdict(list)
        journal = (
            JournalLine.objects.filter(account_id__in=ledger_ids, entry__date__lte=until)
            .values("account_id", "currency", "entry__date")
            .annotate(total=money_sum("amount"))
            .order_by("entry__date")
        )
        for row in journal:
            self.book[(row["account_id"], row["currency"])].append(
                (row["entry__date"], row["total"])
            )
        # A statement that states its opening balance anchors the bank balance from its
        # first day; lines before it were already in that balance.  Without one, lines add
        # up to a balance only when they cover the account's life (it has an opening day).
        self.anchor: dict[int, tuple[date, Decimal]] = {}
        imports = StatementImport.objects.filter(
            bank_account__in=accounts,
            status=ImportStatus.IMPORTED,
            opening_balance__isnull=False,
            period_start__isnull=False,
        ).order_by("-period_start")
        for bank_account_id, start, opening in imports.values_list(
            "bank_account_id", "period_start", "opening_balance"
        ):
            if start is not None:
                self.anchor[bank_account_id] = (start, opening)
        self.bank: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        lines = (
            StatementLine.objects.filter(bank_account__in=accounts, booking_date__lte=until)
            .values("bank_account_id", "booking_date")
            .annotate(total=money_sum("amount"))
            .order_by("booking_date")
        )
        for moved in lines:
            self.bank[moved["bank_account_id"]].append((moved["booking_date"], moved["total"]))
        shared: dict[tuple[int, str], int] = defaultdict(int)
        for account in accounts:
            shared[(account.ledger_account_id, account.currency)] += 1
        self.shared = {key for key, count in shared.items() if count > 1}

    def book_on(self, account: BankAccount, day: date) -> Decimal:
        moves = self.book.get((account.ledger_account_id, account.currency), ())
        return sum((amount for on, amount in moves if on <= day), ZERO)

    def bank_on(self, account: BankAccount, day: date) -> Decimal | None:
        moves = self.bank.get(account.pk, [])
        anchor = self.anchor.get(account.pk)
        if anchor is not None:
            start, opening = anchor
            if day < start:
                return None
            return opening + sum((a for on, a in moves if start <= on <= day), ZERO)
        if account.open_from is None or day < account.open_from or not moves:
            return None
        return sum((amount for on, amount in moves if on <= day), ZERO)

    def account_on(self, account: BankAccount, day: date, rates: RateBook) -> AccountPosition:
        book, bank = (
            quantize(self.book_on(account, day), account.currency),
            self.bank_on(account, day),
        )
        bank = None if bank is None else quantize(bank, account.currency)
        # An account holding nothing needs no rate: a new USD account must not stop the page.
        holds = bool(book) or bool(bank)
        return AccountPosition(
            bank_account=account,
            currency=account.currency,
            book=book,
            bank=bank,
            rate=rates.on(account.currency, day) if holds else rates.find(account.currency, day),
            shared_ledger_account=(account.ledger_account_id, account.currency) in self.shared,
        )

    def position(self, day: date, rates: RateBook) -> CashPosition:
        return CashPosition(
            as_of=day,
            currency=rates.base,
            accounts=[self.account_on(account, day, rates) for account in self.accounts],
        )


def _bank_accounts(user: ScopedUser) -> list[BankAccount]:
    return list(bank_account_list(user=user, active=True).order_by("currency", "name", "pk"))


def cash_position(*, user: ScopedUser, as_of: date) -> CashPosition:
    """Each active bank account's book and bank balance on `as_of`, and the total in base
    currency at each account's rate of that day."""
    return _position(_bank_accounts(user), as_of)


def company_cash(as_of: date) -> CashPosition:
    """`cash_position` of every active account, below any user's scope: the forecast's
    opening balance is the company's (its callers check their own right)."""
    rows = BankAccount.objects.filter(active=True).select_related("ledger_account")
    accounts = list(rows.order_by("currency", "name", "pk"))
    return _position(accounts, as_of)


def _position(accounts: list[BankAccount], as_of: date) -> CashPosition:
    rates = RateBook({a.currency for a in accounts}, as_of)
    return _Movements(accounts, as_of).position(as_of, rates)


def history_days(start: date, end: date) -> list[date]:
    """The days a history shows: every day up to a quarter, else every seventh day back from
    `end`, so the last point is always `end`."""
    span = (end - start).days
    if span < 0 or span > HISTORY_MAX_DAYS:
        raise DomainError(TreasuryError.RANGE_INVALID, days=HISTORY_MAX_DAYS)
    step = 1 if span <= DAILY_UP_TO_DAYS else 7
    return sorted(end - timedelta(days=back) for back in range(0, span + 1, step))


def cash_history(*, user: ScopedUser, start: date, end: date) -> list[HistoryPoint]:
    """The total cash (and book) in base currency on each day of `history_days`."""
    days = history_days(start, end)
    accounts = _bank_accounts(user)
    rates = RateBook({a.currency for a in accounts}, end)
    movements = _Movements(accounts, end)
    points = []
    for day in days:
        position = movements.position(day, rates)
        points.append(HistoryPoint(day=day, total=position.total, book=position.total_book))
    return points


# --- fiscal year ---------------------------------------------------------------------------


def treasury_settings() -> TreasurySettings:
    """The settings row, or the defaults (January) while nobody has saved any."""
    return TreasurySettings.objects.order_by("pk").first() or TreasurySettings()


FISCAL_YEAR_FIRST, FISCAL_YEAR_LAST = 1900, 9998


def fiscal_year_of(day: date) -> int:
    """The fiscal year a day is in, named by the calendar year it starts in."""
    start = treasury_settings().fiscal_year_start_month
    return day.year if day.month >= start else day.year - 1


def fiscal_months(year: int) -> list[date]:
    """The first days of the twelve months of fiscal year `year`."""
    # The year's last month may fall in the next calendar year, which must still be a date.
    if not FISCAL_YEAR_FIRST <= year <= FISCAL_YEAR_LAST:
        raise DomainError(
            TreasuryError.FISCAL_YEAR_INVALID,
            first=FISCAL_YEAR_FIRST,
            last=FISCAL_YEAR_LAST,
            details={"field": "fiscal_year"},
        )
    first = date(year, treasury_settings().fiscal_year_start_month, 1)
    return [add_months(first, n) for n in range(12)]


def check_in_fiscal_year(month: date, year: int) -> date:
    """The month's first day, or `treasury.month_outside_fiscal_year`."""
    first = month_start(month)
    if first not in fiscal_months(year):
        raise DomainError(
            TreasuryError.MONTH_OUTSIDE_FISCAL_YEAR,
            month=f"{first:%Y-%m}",
            year=year,
            details={"month": f"{first:%Y-%m}", "fiscal_year": year},
        )
    return first


# --- budgets -------------------------------------------------------------------------------


def budget_category_list(*, user: ScopedUser, active: bool = True) -> list[BudgetCategory]:
    require(user, "view", BudgetCategory)
    rows = BudgetCategory.objects.prefetch_related("accounts")
    return list(rows.filter(active=True) if active else rows)


def planned_item_list(*, user: ScopedUser) -> QuerySet[PlannedItem]:
    require(user, "view", PlannedItem)
    return PlannedItem.objects.select_related("category").order_by("first_date", "pk")


def occurrences(item: PlannedItem, start: date, end: date) -> list[date]:
    """The days in [start, end] a planned item falls on, counted from its first date so a
    31st stays the month's last day rather than drifting to the 28th."""
    last = min(end, item.end_date) if item.end_date else end
    if item.frequency == Frequency.ONCE:
        return [item.first_date] if start <= item.first_date <= last else []
    step = FREQUENCY_MONTHS[Frequency(item.frequency)]
    days, n = [], 0
    while (day := add_months(item.first_date, n * step)) <= last:
        if day >= start:
            days.append(day)
        n += 1
    return days


@dataclass(frozen=True)
class PlannedFlow:
    day: date
    item: PlannedItem
    amount: Decimal

    @property
    def signed(self) -> Decimal:
        """Money in positive, out negative, as the cash balance moves."""
        return self.amount if self.item.category.direction == Direction.INFLOW else -self.amount


def planned_flows(*, user: ScopedUser, start: date, end: date) -> list[PlannedFlow]:
    """Every occurrence of every planned item between two days, by day."""
    items = planned_item_list(user=user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start), first_date__lte=end
    )
    flows = [
        PlannedFlow(day, item, item.amount)
        for item in items
        for day in occurrences(item, start, end)
    ]
    return sorted(flows, key=lambda f: (f.day, f.item.pk))


@dataclass
class BudgetRow:
    category: BudgetCategory
    # Per month of the year: the budget line (None when nobody set one), what planned items
    # add, and the actual (None when the category maps to no ledger account).
    lines: list[Decimal | None]
    planned: list[Decimal]
    actual: list[Decimal | None]

    @property
    def budget(self) -> list[Decimal]:
        return [
            (line or ZERO) + extra for line, extra in zip(self.lines, self.planned, strict=True)
        ]

    @property
    def variance(self) -> list[Decimal | None]:
        return [
            None if actual is None else actual - budget
            for actual, budget in zip(self.actual, self.budget, strict=True)
        ]

    @property
    def budget_total(self) -> Decimal:
        return sum(self.budget, ZERO)

    @property
    def actual_total(self) -> Decimal | None:
        if any(a is None for a in self.actual):
            return None
        return sum((a for a in self.actual if a is not None), ZERO)

    @property
    def variance_total(self) -> Decimal | None:
        actual = self.actual_total
        return None if actual is None else actual - self.budget_total

    @property
    def cells(
        self,
    ) -> list[tuple[Decimal | None, Decimal, Decimal, Decimal | None, Decimal | None]]:
        """Per month: line, planned, budget, actual, variance (for the templates)."""
        return list(
            zip(self.lines, self.planned, self.budget, self.actual, self.variance, strict=True)
        )


@dataclass
class Budget:
    year: int
    months: list[date]
    currency: str
    rows: list[BudgetRow]

    def totals(self, direction: str) -> list[Decimal]:
        """The budget per month of one direction's categories."""
        chosen = [r.budget for r in self.rows if r.category.direction == direction]
        return [sum(column, ZERO) for column in zip(*chosen, strict=True)] or [ZERO] * 12


def _actuals(
    categories: list[BudgetCategory], months: list[date]
) -> dict[tuple[int, date], Decimal]:
    """Posted base amounts per (category, month) on the categories' accounts, signed so an
    inflow's credits and an outflow's debits count positive."""
    by_account: dict[int, list[BudgetCategory]] = defaultdict(list)
    for category in categories:
        for account in category.accounts.all():
            by_account[account.pk].append(category)
    if not by_account:
        return {}
    rows = (
        JournalLine.objects.filter(
            account_id__in=by_account,
            entry__date__gte=months[0],
            entry__date__lt=add_months(months[-1], 1),
        )
        .annotate(month=TruncMonth("entry__date"))
        .values("account_id", "month")
        .annotate(total=money_sum("base_amount"))
        .order_by()
    )
    result: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        for category in by_account[row["account_id"]]:
            sign = -1 if category.direction == Direction.INFLOW else 1
            result[(category.pk, month_start(row["month"]))] += sign * row["total"]
    return {key: quantize(value, base_currency()) for key, value in result.items()}


def budget_get(*, user: ScopedUser, year: int) -> Budget:
    """The fiscal year's budget per category and month, with planned items and actuals."""
    require(user, "view", BudgetLine)
    months = fiscal_months(year)
    categories = budget_category_list(user=user)
    set_lines = {
        (line.category_id, line.month): line.amount
        for line in BudgetLine.objects.filter(month__gte=months[0], month__lte=months[-1])
    }
    planned: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
    for flow in planned_flows(
        user=user, start=months[0], end=add_months(months[-1], 1) - timedelta(days=1)
    ):
        planned[(flow.item.category_id, month_start(flow.day))] += flow.amount
    actuals = _actuals(categories, months)
    rows = []
    for category in categories:
        mapped = bool(category.accounts.all())
        rows.append(
            BudgetRow(
                category=category,
                lines=[set_lines.get((category.pk, m)) for m in months],
                planned=[planned[(category.pk, m)] for m in months],
                actual=[actuals.get((category.pk, m), ZERO) if mapped else None for m in months],
            )
        )
    return Budget(year=year, months=months, currency=base_currency(), rows=rows)


# --- forecasts (decision 055) ---------------------------------------------------------------


def forecast_list(*, user: ScopedUser) -> QuerySet[ForecastRun]:
    require(user, "view", ForecastRun)
    return ForecastRun.objects.select_related("created_by")


def forecast_get(*, user: ScopedUser, forecast_id: int) -> ForecastRun:
    try:
        return forecast_list(user=user).get(pk=forecast_id)
    except ForecastRun.DoesNotExist:
        raise DomainError(TreasuryError.FORECAST_NOT_FOUND) from None


def forecast_latest(*, user: ScopedUser) -> ForecastRun | None:
    """The newest base forecast that finished, the one the page shows."""
    return (
        forecast_list(user=user).filter(status=ForecastStatus.DONE, scenario__isnull=True).first()
    )


def scenario_list(*, user: ScopedUser) -> QuerySet[Scenario]:
    require(user, "view", Scenario)
    return Scenario.objects.all()


def scenario_get(*, user: ScopedUser, scenario_id: int) -> Scenario:
    try:
        return scenario_list(user=user).get(pk=scenario_id)
    except Scenario.DoesNotExist:
        raise DomainError(TreasuryError.SCENARIO_NOT_FOUND) from None


def forecast_accuracy(*, user: ScopedUser) -> Accuracy:
    require(user, "view", ForecastRun)
    return accuracy(timezone.localdate())


def minimum_in_base(settings: TreasurySettings, day: date) -> Decimal:
    """The minimum balance in the base currency at the day's rate (`treasury.rate_missing`
    without one)."""
    currency = settings.minimum_currency or base_currency()
    if currency == base_currency():
        return settings.minimum_balance
    return quantize(settings.minimum_balance * rate_on(currency, day), base_currency())


# --- customer value ------------------------------------------------------------------------


def customer_value(*, user: ScopedUser, months: int = 12, sort: str = "contribution") -> Ranking:
    """Customer value over the `months` to today (decision 057), rows within the user's
    invoice scope."""
    require(user, "view", TreasurySettings)
    if not 1 <= months <= value.MONTHS_MAX:
        raise DomainError(
            TreasuryError.VALUE_MONTHS_INVALID, high=value.MONTHS_MAX, details={"field": "months"}
        )
    if sort not in value.SORTS:
        raise DomainError(
            TreasuryError.VALUE_SORT_INVALID,
            choices=", ".join(value.SORTS),
            details={"field": "sort"},
        )
    return value.ranking(
        user=user,
        settings=treasury_settings(),
        today=timezone.localdate(),
        months=months,
        sort=sort,
    )
