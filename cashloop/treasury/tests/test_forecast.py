"""The cash forecast as the treasurer runs it (decision 055): the service and its task, the
settings it watches, the alert, the API and the page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.notifications.models import Notification
from cashloop.receivables.services import payment_create
from cashloop.treasury.choices import ForecastStatus
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import (
    BudgetCategory,
    BudgetLine,
    ForecastRun,
    TreasurySettings,
)
from cashloop.treasury.selectors import company_cash, treasury_settings
from cashloop.treasury.services import (
    forecast_run_create,
    treasury_settings_update,
)
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal


def _run(actor, django_capture_on_commit_callbacks, **kwargs) -> ForecastRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_create(actor=actor, **kwargs)
    run.refresh_from_db()
    return run


def test_a_forecast_runs_from_the_cash_through_receipts_and_planned_items(
    book, treasurer, django_capture_on_commit_callbacks
):
    run = _run(treasurer, django_capture_on_commit_callbacks, seed=7, paths=500)

    assert run.status == ForecastStatus.DONE and run.progress == 100
    assert run.opening == company_cash(run.as_of).total == D("500000")
    assert len(run.weeks) == 13 and len(run.months) == 12
    # Without history, the customer pays on the due date: week 2 (days 7 to 13).
    assert [w["inflow_p50"] for w in run.weeks[:3]] == [0, 120000, 0]
    assert run.weeks[0]["planned_out"] == 30000  # the rent, on day 3
    assert run.weeks[2]["balance_p50"] == 500000 + 120000 - 30000
    assert run.weeks[0]["inflow_due_date"] + run.weeks[1]["inflow_due_date"] == 120000
    assert run.drivers == [] or run.drivers[0]["customer"] == "华东客户"
    assert run.model["learnt_from"] == 0
    # The same seed and data give the same forecast.
    again = _run(treasurer, django_capture_on_commit_callbacks, seed=7, paths=500)
    assert again.weeks == run.weeks and again.months == run.months
    assert_verified()


def test_the_treasurer_is_alerted_when_cash_may_go_below_the_minimum(
    book, treasurer, django_capture_on_commit_callbacks
):
    treasury_settings_update(
        actor=treasurer, minimum_balance=D("560000"), shortfall_alert_percent=30
    )
    run = _run(treasurer, django_capture_on_commit_callbacks, seed=1, paths=200)

    assert run.minimum == D("560000")
    assert run.weeks[0]["shortfall"] == 1  # 500,000 − 30,000 rent, before the customer pays
    alert = Notification.objects.get(user=treasurer)
    assert run.weeks[0]["start"] in alert.title
    assert alert.url == reverse("treasury:forecast")


def test_no_alert_while_the_chance_stays_under_the_setting(
    book, treasurer, django_capture_on_commit_callbacks
):
    treasury_settings_update(actor=treasurer, minimum_balance=D("100000"))
    run = _run(treasurer, django_capture_on_commit_callbacks, seed=1, paths=200)
    assert max(w["shortfall"] for w in run.weeks) == 0
    assert not Notification.objects.filter(user=treasurer).exists()


def test_a_minimum_in_another_currency_needs_a_rate(book, treasurer):
    with pytest.raises(DomainError) as refused:
        treasury_settings_update(
            actor=treasurer, minimum_balance=D("10000"), minimum_currency="EUR"
        )
    assert refused.value.code is TreasuryError.RATE_MISSING
    assert not TreasurySettings.objects.exists()
    with pytest.raises(DomainError) as bad:
        treasury_settings_update(actor=treasurer, shortfall_alert_percent=0)
    assert bad.value.code is TreasuryError.ALERT_PERCENT_INVALID
    assert treasury_settings().shortfall_alert_percent == 20


def test_a_run_with_too_few_paths_or_without_the_right_is_refused(book, company, treasurer):
    with pytest.raises(DomainError) as few:
        forecast_run_create(actor=treasurer, paths=10)
    assert few.value.code is TreasuryError.PATHS_INVALID
    with pytest.raises(DomainError) as denied:
        forecast_run_create(actor=company.rep_east)
    assert denied.value.code.code == "permission.denied"
    assert not ForecastRun.objects.exists()


def test_budget_lines_spread_over_their_month_and_sales_budgets_stay_out(
    book, treasurer, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    month = today.replace(day=1)
    BudgetLine.objects.create(
        category=BudgetCategory.objects.get(code="payroll"), month=month, amount=D("310000")
    )
    # Receipts from customers are forecast from the receivables, not from a budget.
    BudgetLine.objects.create(
        category=BudgetCategory.objects.get(code="sales"), month=month, amount=D("999999")
    )
    run = _run(treasurer, django_capture_on_commit_callbacks, seed=3, paths=200)
    first = run.months[0]
    days_left = (date.fromisoformat(first["end"]) - today).days
    length = (date.fromisoformat(first["end"]) - month).days
    rent = 30000 if today + timedelta(days=3) < date.fromisoformat(first["end"]) else 0
    assert first["planned_out"] == pytest.approx(310000 * days_left / length + rent, abs=0.02)
    assert first["planned_in"] == 0


def test_the_api_runs_and_reads_forecasts(
    book, client, treasurer, company, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)
    assert client.get("/api/v1/treasury/forecasts/latest").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/api/v1/treasury/forecasts",
            {"paths": 300, "seed": 5},
            content_type="application/json",
        )
    assert made.status_code == 202, made.content
    body = made.json()
    assert body["status"] == "queued" and body["weeks"] == []  # the worker computes it
    latest = client.get("/api/v1/treasury/forecasts/latest").json()
    assert latest["id"] == body["id"]
    assert latest["status"] == "done" and len(latest["weeks"]) == 13
    assert client.get(f"/api/v1/treasury/forecasts/{body['id']}").json()["seed"] == 5
    missing = client.get("/api/v1/treasury/forecasts/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "treasury.forecast_not_found"
    bad = client.post("/api/v1/treasury/forecasts", {"paths": 5}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "treasury.paths_invalid"
    settings = client.put(
        "/api/v1/treasury/forecast-settings",
        {"minimum_balance": "1000", "minimum_currency": "EUR", "shortfall_alert_percent": 20},
        content_type="application/json",
    )
    assert settings.status_code == 422
    assert settings.json()["error"]["code"] == "treasury.rate_missing"
    client.force_login(company.rep_east)
    assert client.get("/api/v1/treasury/forecasts").status_code == 403
    assert (
        client.post("/api/v1/treasury/forecasts", {}, content_type="application/json").status_code
        == 403
    )
    assert ForecastRun.objects.count() == 1


def test_the_page_shows_the_latest_forecast_and_runs_a_new_one(
    book, client, treasurer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(treasurer)
    empty = client.get(reverse("treasury:forecast"))
    assert b'data-testid="forecast-none"' in empty.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("treasury:forecast"))
    run = ForecastRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?run={run.pk}")
    with django_assert_max_num_queries(12):
        page = client.get(response.url)
    html = page.content.decode()
    assert 'data-testid="forecast-chart"' in html
    assert "华东客户" in html or 'data-testid="forecast-drivers"' in html
    # A finished run's progress sends the page to it.
    done = client.get(reverse("treasury:forecast_progress", args=[run.pk]))
    assert done.status_code == 204 and done["HX-Redirect"].endswith(f"?run={run.pk}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_treasury_page_shows_the_latest_forecast_and_its_accuracy(
    book, company, client, treasurer, language, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)
    before = client.get(reverse("treasury:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert 'data-testid="forecast-summary"' in before.content.decode()
    assert 'data-testid="forecast-chart"' not in before.content.decode()
    run = _run(treasurer, django_capture_on_commit_callbacks, seed=3, paths=200)
    # No kept forecast has a passed week, and the book is too young for a backtest.
    page = client.get(reverse("treasury:index"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert 'data-testid="forecast-chart"' in html and 'data-testid="summary-shortfall"' in html
    assert "华东客户" in html.split('data-testid="summary-drivers"')[1]
    accuracy = html.split('data-testid="summary-accuracy"')[1].split("</div>")[0]
    assert ("Not measured yet." if language == "en" else "尚未衡量。") in accuracy
    # A forecast kept from eight weeks ago said 0 would come in five weeks ago; 1,000 did.
    week = {**run.weeks[0], "inflow_p10": 0, "inflow_p50": 0, "inflow_p90": 0}
    week.update(start=str(run.as_of - timedelta(days=35)), end=str(run.as_of - timedelta(days=28)))
    payment_create(
        actor=company.finance,
        customer_id=book.pk,
        amount=D("1000.00"),
        payment_date=run.as_of - timedelta(days=33),
    )
    ForecastRun.objects.create(
        as_of=run.as_of - timedelta(days=56),
        status=ForecastStatus.DONE,
        paths=10,
        seed=1,
        currency="CNY",
        weeks=[week] * 4,
    )
    scored = client.get(reverse("treasury:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    accuracy = scored.split('data-testid="summary-accuracy"')[1].split("</div>")[0]
    assert "100%" in accuracy  # 1,000 against 0, outside the band


def test_a_running_forecast_shows_its_progress(book, client, treasurer):
    client.force_login(treasurer)
    run = ForecastRun.objects.create(
        as_of=timezone.localdate(), paths=100, seed=1, currency="CNY", progress=40,
        status=ForecastStatus.RUNNING,
    )  # fmt: skip
    page = client.get(f"{reverse('treasury:forecast')}?run={run.pk}")
    assert b'data-testid="forecast-progress"' in page.content
    assert b"40%" in page.content
    poll = client.get(reverse("treasury:forecast_progress", args=[run.pk]))
    assert poll.status_code == 200 and b"40%" in poll.content


def test_the_treasurer_sets_the_minimum_on_the_page(company, client, treasurer):
    client.force_login(treasurer)
    page = client.get(reverse("treasury:forecast"))
    assert b'data-testid="forecast-settings-form"' in page.content
    url = reverse("treasury:forecast_settings")
    saved = client.post(
        url,
        {"minimum_balance": "250000", "minimum_currency": "", "shortfall_alert_percent": "15"},
    )
    assert saved.status_code == 302
    current = treasury_settings()
    assert (current.minimum_balance, current.shortfall_alert_percent) == (D("250000"), 15)
    no_rate = client.post(
        url,
        {"minimum_balance": "1", "minimum_currency": "EUR", "shortfall_alert_percent": "15"},
    )
    assert no_rate.status_code == 200
    assert no_rate.context["settings_form"].errors
    bad = client.post(
        url,
        {"minimum_balance": "1", "minimum_currency": "", "shortfall_alert_percent": "0"},
    )
    assert bad.status_code == 200
    assert treasury_settings().minimum_balance == D("250000")
    client.force_login(company.rep_east)
    assert client.post(url, {"minimum_balance": "9"}).status_code == 403
    assert treasury_settings().minimum_balance == D("250000")
