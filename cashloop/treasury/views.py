"""Pages of treasury: the cash position with its history chart, exchange rates, the budget
grid of a fiscal year (cells saved one by one through htmx, or a workbook imported), budget
against actual, planned items, the cash forecast and its scenarios compared with the base,
and the customer value ranking."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.banking.models import BankAccount
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may
from cashloop.customers.models import Customer, CustomerGroup
from cashloop.treasury import selectors, services
from cashloop.treasury.choices import ForecastStatus
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.forms import (
    BudgetCellForm,
    BudgetImportForm,
    CategoryAccountsForm,
    FiscalYearForm,
    ForecastSettingsForm,
    PlannedItemForm,
    RateForm,
    ScenarioForm,
    ValueSettingsForm,
)
from cashloop.treasury.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    ForecastRun,
    PlannedItem,
    Scenario,
    TreasurySettings,
)
from cashloop.treasury.value import SORTS
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, refuse_or_show

HISTORY_DAYS = 90
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 180, 24


@dataclass(frozen=True)
class Chart:
    """An SVG line of the total cash: the polyline's points, the axis labels' places."""

    points: str
    book_points: str
    width: int
    height: int
    top: Decimal
    bottom: Decimal
    labels: list[tuple[int, date]]


@dataclass(frozen=True)
class Frame:
    """A chart's box: a vertical axis that holds `values` with a tenth of their range to
    spare (a balance that moves by 2% is seen moving; the labels say where the axis starts),
    and `points` spread evenly across the width."""

    top: Any
    bottom: Any
    points: int
    width: int
    height: int
    pad: int

    @classmethod
    def around(
        cls, values: list[Any], points: int, width: int, height: int, pad: int, *, floor: bool
    ) -> Frame:
        """`floor`: start at 0 when no value is below it."""
        low, high = min(values), max(values)
        one = type(high)(1)
        margin = (high - low) / 10 or max(abs(high) / 10, one)
        bottom = low - margin
        if floor and low >= 0:
            bottom = max(bottom, type(high)(0))
        return cls(high + margin, bottom, points, width, height, pad)

    def x(self, i: int) -> int:
        return self.pad + round((self.width - 2 * self.pad) * i / (self.points - 1))

    def y(self, value: Any) -> int:
        inner = self.height - 2 * self.pad
        return self.pad + round(inner * (self.top - value) / (self.top - self.bottom))

    def line(self, values: list[Any]) -> str:
        return " ".join(f"{self.x(i)},{self.y(v)}" for i, v in enumerate(values))


def cash_chart(history: list[selectors.HistoryPoint]) -> Chart | None:
    """Scale a history into the chart's box; None when there is nothing to draw."""
    if len(history) < 2:
        return None
    totals, books = [p.total for p in history], [p.book for p in history]
    frame = Frame.around(
        totals + books, len(history), CHART_WIDTH, CHART_HEIGHT, CHART_PAD, floor=True
    )
    step = max(1, len(history) // 4)
    return Chart(
        points=frame.line(totals),
        book_points=frame.line(books),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        top=frame.top,
        bottom=frame.bottom,
        labels=[(frame.x(i), history[i].day) for i in range(0, len(history), step)],
    )


def _day(value: str | None, default: date) -> date:
    return parse_date(value or "") or default


_F = TypeVar("_F", bound=forms.Form)


def _settings_form(form_class: type[_F]) -> _F:
    """A form of some treasury settings, filled with the saved ones."""
    current = selectors.treasury_settings()
    return form_class(initial={name: getattr(current, name) for name in form_class.base_fields})


def _settings_saved(request: HttpRequest, form: forms.Form, done: str) -> bool:
    """Save a form of treasury settings; False with the refusal on the form."""
    need(request.user, "change", TreasurySettings)
    if not form.is_valid():
        return False
    try:
        services.treasury_settings_update(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        refuse_or_show(exc)
        form_add_domain_error(form, exc)
        return False
    messages.success(request, done)
    return True


@login_required
def index(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", BankAccount)
    today = timezone.localdate()
    as_of = _day(request.GET.get("as_of"), today)
    context: dict[str, Any] = {"as_of": as_of, "today": today}
    # A missing rate is the treasurer's to fix on the rates page: shown, not a crash.
    try:
        context["position"] = selectors.cash_position(user=request.user, as_of=as_of)
        history = selectors.cash_history(
            user=request.user, start=as_of - timedelta(days=HISTORY_DAYS), end=as_of
        )
        context["chart"] = cash_chart(history)
    except DomainError as exc:
        refuse_or_show(exc)
        context["position_error"] = exc
    context["can_rates"] = may(request.user, "view", ExchangeRate)
    context["can_budget"] = may(request.user, "view", BudgetLine)
    if may(request.user, "view", ForecastRun):
        context["forecast"] = _forecast_summary(request)
    return render(request, "treasury/index.html", context)


def _forecast_summary(request: HttpRequest) -> dict[str, Any]:
    """What the treasury page shows of the latest forecast: its band, the worst shortfall
    chance, who brings next month's cash, and how accurate past forecasts were."""
    summary = _forecast_context(selectors.forecast_latest(user=request.user))
    if "weeks" in summary:
        summary["drivers"] = summary["drivers"][:5]
        four = selectors.forecast_accuracy(user=request.user).horizons[1]
        if four.wape is not None and four.wape_due_date is not None and four.coverage is not None:
            summary["four_weeks"] = {
                "wape": round(four.wape * 100),
                "naive": round(four.wape_due_date * 100),
                "covered": round(four.coverage * 100),
                "weeks": four.pairs,
            }
    return summary


# --- exchange rates ------------------------------------------------------------------------


def _rates_page(request: HttpRequest, form: RateForm | None = None) -> HttpResponse:
    need(request.user, "view", ExchangeRate)
    context = {
        "rates": selectors.exchange_rate_list(user=request.user)[:200],
        "form": form or RateForm(initial={"date": timezone.localdate()}),
        "can_add": may(request.user, "add", ExchangeRate),
    }
    return render(request, "treasury/rates.html", context)


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _rates_page(request)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.exchange_rate_set(
                actor=request.user,
                currency=form.cleaned_data["currency"],
                day=form.cleaned_data["date"],
                rate=form.cleaned_data["rate"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rate saved."))
            return redirect("treasury:rates")
    return _rates_page(request, form)


# --- budgets -------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or "")
    except ValueError:
        return selectors.fiscal_year_of(timezone.localdate())


def _budget_page(request: HttpRequest, template: str, year: int, **extra: object) -> HttpResponse:
    need(request.user, "view", BudgetLine)
    budget = selectors.budget_get(user=request.user, year=year)
    context = {
        "budget": budget,
        "grid": [(row, list(zip(budget.months, row.cells, strict=True))) for row in budget.rows],
        "year": year,
        **_totals(budget),
        "can_edit": may(request.user, "change", BudgetLine),
        "import_form": BudgetImportForm(),
        **extra,
    }
    return render(request, template, context)


def _totals(budget: selectors.Budget) -> dict[str, Any]:
    return {
        "budget": budget,
        "inflow_totals": budget.totals("inflow"),
        "outflow_totals": budget.totals("outflow"),
    }


@login_required
def budget(request: HttpRequest) -> HttpResponse:
    return _budget_page(request, "treasury/budget.html", _year(request))


@login_required
def budget_vs_actual(request: HttpRequest) -> HttpResponse:
    return _budget_page(request, "treasury/budget_vs_actual.html", _year(request))


@login_required
def budget_setup(request: HttpRequest) -> HttpResponse:
    """The fiscal year's first month and, per category, the ledger accounts its actuals come
    from (decision 054)."""
    need(request.user, "view", BudgetCategory)
    if request.method != "POST":
        return _budget_setup_page(request)
    form = FiscalYearForm(request.POST)
    if _settings_saved(request, form, _("Saved.")):
        return redirect("treasury:budget_setup")
    return _budget_setup_page(request, form)


def _budget_setup_page(
    request: HttpRequest,
    form: FiscalYearForm | None = None,
    refused: CategoryAccountsForm | None = None,
) -> HttpResponse:
    """The setup page; `refused` is a category's form sent back with its error."""
    rows = []
    for category in selectors.budget_category_list(user=request.user, active=False):
        prefix = f"c{category.pk}"
        codes = ", ".join(a.code for a in category.accounts.all())
        own = refused if refused is not None and refused.prefix == prefix else None
        rows.append(
            (category, own or CategoryAccountsForm(initial={"account_codes": codes}, prefix=prefix))
        )
    return render(
        request,
        "treasury/budget_setup.html",
        {
            "form": form or _settings_form(FiscalYearForm),
            "rows": rows,
            "can_edit": may(request.user, "change", BudgetCategory),
            "can_fiscal": may(request.user, "change", TreasurySettings),
        },
    )


@login_required
@require_POST
def category_accounts(request: HttpRequest, category_id: int) -> HttpResponse:
    """Say which ledger accounts hold a category's actuals."""
    form = CategoryAccountsForm(request.POST, prefix=f"c{category_id}")
    if form.is_valid():
        try:
            services.budget_category_accounts_set(
                actor=request.user, category_id=category_id, account_codes=form.codes()
            )
        except DomainError as exc:
            refuse_or_show(exc)
            # Its details list the unknown codes, not messages: the message says them.
            form.add_error("account_codes", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("treasury:budget_setup")
    return _budget_setup_page(request, refused=form)


@login_required
@require_POST
def budget_cell(request: HttpRequest) -> HttpResponse:
    """Save one cell; htmx swaps the cell back in (with its error), a plain post returns to
    the grid."""
    year = _year(request)
    form = BudgetCellForm(request.POST)
    error: DomainError | None = None
    amount = request.POST.get("amount", "")
    if form.is_valid():
        try:
            line = services.budget_line_set(
                actor=request.user, fiscal_year=year, **form.cleaned_data
            )
        except DomainError as exc:
            refuse_or_show(exc)
            error = exc
        else:
            amount = str(quantize(line.amount, base_currency()))
    else:
        error = DomainError(TreasuryError.AMOUNT_INVALID, value=amount)
    if not request.htmx:  # type: ignore[attr-defined]
        if error is not None:
            messages.error(request, f"{error.message} ({error.code.code})")
        return redirect(f"{reverse('treasury:budget')}?year={year}")
    context: dict[str, Any] = {
        "year": year,
        "category_id": request.POST.get("category_id"),
        "month": request.POST.get("month"),
        "amount": amount,
        "error": error,
        "saved": error is None,
        "can_edit": True,
    }
    if error is None:
        budget = selectors.budget_get(user=request.user, year=year)
        context.update(_totals(budget))
    return render(request, "treasury/_budget_cell_saved.html", context)


@login_required
@require_POST
def budget_import(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    form = BudgetImportForm(request.POST, request.FILES)
    import_errors: list[dict[str, Any]] = []
    if form.is_valid():
        try:
            lines = services.budget_import(
                actor=request.user, fiscal_year=year, content=form.cleaned_data["file"].read()
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
            import_errors = (exc.details or {}).get("errors", [])
        else:
            messages.success(request, _("%(count)d budget cells imported.") % {"count": len(lines)})
            return redirect(f"{reverse('treasury:budget')}?year={year}")
    return _budget_page(
        request,
        "treasury/budget.html",
        year,
        import_form=form,
        import_errors=import_errors,
    )


# --- planned items -------------------------------------------------------------------------


def _planned_page(
    request: HttpRequest, form: PlannedItemForm | None = None, editing: int | None = None
) -> HttpResponse:
    need(request.user, "view", PlannedItem)
    categories = selectors.budget_category_list(user=request.user)
    context = {
        "items": selectors.planned_item_list(user=request.user),
        "form": form or PlannedItemForm(categories=categories),
        "editing": editing,
        "can_edit": may(request.user, "add", PlannedItem),
    }
    return render(request, "treasury/planned.html", context)


@login_required
def planned(request: HttpRequest, item_id: int | None = None) -> HttpResponse:
    """The list with the form: a new item, or (item_id) the one being changed."""
    need(request.user, "view", PlannedItem)
    categories = selectors.budget_category_list(user=request.user)
    if request.method != "POST":
        form = None
        if item_id is not None:
            item = selectors.planned_item_list(user=request.user).filter(pk=item_id).first()
            if item is None:
                refuse_or_show(DomainError(TreasuryError.PLANNED_ITEM_NOT_FOUND))
            assert item is not None
            initial = {f: getattr(item, f) for f in PlannedItemForm.base_fields}
            initial["category_id"] = item.category_id
            form = PlannedItemForm(initial=initial, categories=categories)
        return _planned_page(request, form, item_id)
    form = PlannedItemForm(request.POST, categories=categories)
    if form.is_valid():
        try:
            services.planned_item_save(actor=request.user, item_id=item_id, **form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Planned item saved."))
            return redirect("treasury:planned")
    return _planned_page(request, form, item_id)


@login_required
@require_POST
def planned_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        services.planned_item_delete(actor=request.user, item_id=item_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Planned item deleted."))
    return redirect("treasury:planned")


# --- the cash forecast (decision 055) --------------------------------------------------------

BAND_WIDTH, BAND_HEIGHT, BAND_PAD = 720, 220, 28


@dataclass(frozen=True)
class BandChart:
    """The 13 weeks' balance as an SVG: the P10-P90 band, the P50 line, the minimum."""

    band: str
    median: str
    base: str  # a scenario's base P50, empty for a base forecast
    minimum_y: int
    width: int
    height: int
    top: float
    bottom: float
    labels: list[tuple[int, str]]


def band_chart(
    weeks: list[dict[str, Any]],
    opening: float,
    minimum: float,
    span: tuple[float, float] | None = None,
) -> BandChart | None:
    """The balance band of `weeks` (from the opening), on a `Frame` that holds it and the
    minimum, or on `span` (top, bottom) when given."""
    if not weeks:
        return None
    low = [opening] + [w["balance_p10"] for w in weeks]
    mid = [opening] + [w["balance_p50"] for w in weeks]
    high = [opening] + [w["balance_p90"] for w in weeks]
    frame = Frame.around(
        [*low, *high, minimum], len(mid), BAND_WIDTH, BAND_HEIGHT, BAND_PAD, floor=False
    )
    if span is not None:
        frame = replace(frame, top=span[0], bottom=span[1])
    lower = [f"{frame.x(i)},{frame.y(v)}" for i, v in reversed(list(enumerate(low)))]
    return BandChart(
        band=" ".join([frame.line(high), *lower]),
        median=frame.line(mid),
        base="",
        minimum_y=frame.y(minimum),
        width=BAND_WIDTH,
        height=BAND_HEIGHT,
        top=frame.top,
        bottom=frame.bottom,
        labels=[(frame.x(i + 1), w["end"][5:]) for i, w in enumerate(weeks) if i % 2 == 0],
    )


AMOUNT_KEYS = ("inflow", "planned", "balance", "expected", "open_amount")


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's JSON rows for the page: amounts as `Decimal` (the money filter takes no
    float), the shortfall as a percent, dates as dates."""
    shown = []
    for row in rows:
        item: dict[str, Any] = {}
        for key, value in row.items():
            if key.startswith(AMOUNT_KEYS):
                item[key] = Decimal(str(value))
            elif key in ("start", "end"):
                item[key] = date.fromisoformat(value)
            else:
                item[key] = value
        if "shortfall" in row:
            item["shortfall_percent"] = round(row["shortfall"] * 100)
        shown.append(item)
    return shown


def compare_chart(run: ForecastRun) -> BandChart | None:
    """The scenario's band and P50 as `band_chart` draws them, with the base's P50 as a
    second line, both on the axis that holds the two."""
    if not run.weeks or len(run.weeks) != len(run.base_weeks):
        return None
    opening, minimum = float(run.opening), float(run.minimum)
    whole = band_chart([*run.weeks, *run.base_weeks], opening, minimum)
    assert whole is not None
    span = (whole.top, whole.bottom)
    mine = band_chart(run.weeks, opening, minimum, span=span)
    base = band_chart(run.base_weeks, opening, minimum, span=span)
    assert mine is not None and base is not None
    return replace(mine, base=base.median)


def backtest_shown(backtest: dict[str, Any] | None) -> dict[str, Any] | None:
    """A run's backtest summary with its shares as whole percents, for the sentences."""
    if backtest is None:
        return None
    shown = dict(backtest)
    for key in ("wape", "wape_due_date"):
        value = backtest.get(key)
        shown[f"{key}_percent"] = None if value is None else round(value * 100)
    return shown


def _forecast_context(run: ForecastRun | None) -> dict[str, Any]:
    context: dict[str, Any] = {"run": run, "settings": selectors.treasury_settings()}
    if run is not None and run.status == ForecastStatus.DONE:
        context["chart"] = band_chart(run.weeks, float(run.opening), float(run.minimum))
        context["weeks"] = _shown(run.weeks)
        context["months"] = _shown(run.months)
        context["drivers"] = _shown(run.drivers)
        context["worst"] = max(context["weeks"], key=lambda w: w["shortfall"], default=None)
        context["backtest"] = backtest_shown(run.model.get("backtest"))
        if run.scenario_id is not None:
            context["compare"] = _compared(run)
            context["compare_chart"] = compare_chart(run)
    return context


def _compared(run: ForecastRun) -> list[dict[str, Any]]:
    """Week by week, the base and the scenario's P50 balance and shortfall, and the change."""
    rows = []
    for base, mine in zip(_shown(run.base_weeks), _shown(run.weeks), strict=True):
        rows.append(
            {
                "start": base["start"],
                "base_balance": base["balance_p50"],
                "balance": mine["balance_p50"],
                "balance_change": mine["balance_p50"] - base["balance_p50"],
                "base_shortfall": base["shortfall_percent"],
                "shortfall": mine["shortfall_percent"],
                "shortfall_change": mine["shortfall_percent"] - base["shortfall_percent"],
            }
        )
    return rows


@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    """The latest forecast (or the one asked for), and a button to make a new one."""
    need(request.user, "view", ForecastRun)
    if request.method == "POST":
        need(request.user, "add", ForecastRun)
        try:
            run = services.forecast_run_create(actor=request.user)
        except DomainError as exc:
            refuse_or_show(exc)
            messages.error(request, f"{exc.message} ({exc.code.code})")
            return redirect("treasury:forecast")
        return redirect(f"{reverse('treasury:forecast')}?run={run.pk}")
    run_id = request.GET.get("run", "")
    run = (
        _forecast_or_404(request, int(run_id))
        if run_id.isdigit()
        else selectors.forecast_latest(user=request.user)
    )
    return _forecast_page(request, run)


def _forecast_page(
    request: HttpRequest, run: ForecastRun | None, form: ForecastSettingsForm | None = None
) -> HttpResponse:
    context = _forecast_context(run)
    context["can_run"] = may(request.user, "add", ForecastRun)
    if may(request.user, "change", TreasurySettings):
        context["settings_form"] = form or _settings_form(ForecastSettingsForm)
    return render(request, "treasury/forecast.html", context)


@login_required
@require_POST
def forecast_settings(request: HttpRequest) -> HttpResponse:
    """Set the minimum balance and the alert; the next forecast uses them."""
    form = ForecastSettingsForm(request.POST)
    if _settings_saved(request, form, _("Saved: the next forecast uses it.")):
        return redirect("treasury:forecast")
    return _forecast_page(request, selectors.forecast_latest(user=request.user), form)


def _forecast_or_404(request: HttpRequest, forecast_id: int) -> ForecastRun:
    try:
        return selectors.forecast_get(user=request.user, forecast_id=forecast_id)
    except DomainError as exc:
        refuse_or_show(exc)
        raise


@login_required
def forecast_progress(request: HttpRequest, forecast_id: int) -> HttpResponse:
    """A running forecast's progress, polled by the page until it is done."""
    run = _forecast_or_404(request, forecast_id)
    if run.status == ForecastStatus.DONE:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse('treasury:forecast')}?run={run.pk}"
        return response
    return render(request, "treasury/_forecast_progress.html", {"run": run})


# --- scenarios (decision 056) ----------------------------------------------------------------


def _scenario_form(data: Any = None, initial: dict[str, Any] | None = None) -> ScenarioForm:
    groups = list(CustomerGroup.objects.order_by("name").values_list("pk", "name"))
    items = [
        (item.pk, f"{item.description} ({item.first_date:%Y-%m-%d})")
        for item in PlannedItem.objects.order_by("first_date", "pk")
    ]
    return ScenarioForm(data, initial=initial, groups=groups, items=items)


def _scenarios_page(
    request: HttpRequest, form: ScenarioForm, scenario_id: int | None = None
) -> HttpResponse:
    return render(
        request,
        "treasury/scenarios.html",
        {
            "scenarios": selectors.scenario_list(user=request.user),
            "form": form,
            "editing": scenario_id,
            "can_change": may(request.user, "add", Scenario),
            "can_run": may(request.user, "add", ForecastRun),
        },
    )


@login_required
def scenarios(request: HttpRequest, scenario_id: int | None = None) -> HttpResponse:
    """The saved scenarios with the form: a new one, or (scenario_id) the one being changed."""
    need(request.user, "view", Scenario)
    if request.method != "POST":
        initial = None
        if scenario_id is not None:
            scenario = _scenario_or_404(request, scenario_id)
            initial = {**scenario.parameters, "name": scenario.name}
            initial["description"] = scenario.description
            customer = Customer.objects.filter(pk=initial.get("default_customer_id")).first()
            initial["default_customer"] = customer.code if customer else ""
        return _scenarios_page(request, _scenario_form(initial=initial), scenario_id)
    form = _scenario_form(request.POST)
    if form.is_valid():
        code = form.cleaned_data["default_customer"].strip()
        customer = Customer.objects.filter(code=code).first() if code else None
        if code and customer is None:
            form.add_error("default_customer", _("No customer has this code."))
            return _scenarios_page(request, form, scenario_id)
        try:
            services.scenario_save(
                actor=request.user,
                scenario_id=scenario_id,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                parameters=form.parameters(customer.pk if customer else None),
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Scenario saved."))
            return redirect("treasury:scenarios")
    return _scenarios_page(request, form, scenario_id)


def _scenario_or_404(request: HttpRequest, scenario_id: int) -> Scenario:
    try:
        return selectors.scenario_get(user=request.user, scenario_id=scenario_id)
    except DomainError as exc:
        refuse_or_show(exc)
        raise


@login_required
@require_POST
def scenario_delete(request: HttpRequest, scenario_id: int) -> HttpResponse:
    try:
        services.scenario_delete(actor=request.user, scenario_id=scenario_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Scenario deleted."))
    return redirect("treasury:scenarios")


@login_required
@require_POST
def scenario_run(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """Run the scenario beside the base; the forecast page shows the two compared."""
    try:
        run = services.forecast_run_create(actor=request.user, scenario_id=scenario_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("treasury:scenarios")
    return redirect(f"{reverse('treasury:forecast')}?run={run.pk}")


@login_required
def forecast_accuracy(request: HttpRequest) -> HttpResponse:
    """The kept forecasts against what came in, and the latest one's backtest."""
    need(request.user, "view", ForecastRun)
    latest = selectors.forecast_latest(user=request.user)
    return render(
        request,
        "treasury/accuracy.html",
        {
            "scores": selectors.forecast_accuracy(user=request.user),
            "backtest": backtest_shown(latest.model.get("backtest") if latest else None),
        },
    )


VALUE_PAGE_SIZE = 50
VALUE_MONTHS = (3, 6, 12, 24, 36)


@login_required
def customer_value(request: HttpRequest, form: ValueSettingsForm | None = None) -> HttpResponse:
    """Who makes money and who only brings revenue (decision 057), a page of the ranking with
    bars of revenue and contribution on one scale."""
    months = request.GET.get("months", "12")
    sort = request.GET.get("sort", "contribution")
    try:
        ranking = selectors.customer_value(
            user=request.user, months=int(months) if months.isdigit() else 0, sort=sort
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("treasury:customer_value")
    page = Paginator(ranking.rows, VALUE_PAGE_SIZE).get_page(request.GET.get("page"))
    widest = max((max(abs(r.revenue), abs(r.contribution)) for r in page.object_list), default=0)

    def width(amount: Decimal) -> int:
        return round(abs(amount) / widest * 100) if widest else 0

    context: dict[str, Any] = {
        "ranking": ranking,
        "page": page,
        "rows": [(r, width(r.revenue), width(r.contribution)) for r in page.object_list],
        "months": int(months),
        "month_choices": VALUE_MONTHS,
        "sort": sort,
        "sort_headers": [(key, label) for key, (label, _figure) in SORTS.items()],
        "currency": base_currency(),
    }
    if may(request.user, "change", TreasurySettings):
        context["settings_form"] = form or _settings_form(ValueSettingsForm)
    return render(request, "treasury/customer_value.html", context)


@login_required
@require_POST
def value_settings(request: HttpRequest) -> HttpResponse:
    form = ValueSettingsForm(request.POST)
    if _settings_saved(request, form, _("Saved: the ranking uses it.")):
        return redirect("treasury:customer_value")
    return customer_value(request, form)
