"""The kept forecasts scored against what came in (decision 055): per horizon, WAPE of the
forecast and of the due-date baseline, band coverage; the command, the API and the page."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cashloop.reports.tests.helpers import pay
from cashloop.treasury.accuracy import accuracy
from cashloop.treasury.choices import ForecastStatus
from cashloop.treasury.models import ForecastRun, Scenario
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db


def _week(start, p10, p50, p90, due):  # type: ignore[no-untyped-def]
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(days=7)).isoformat(),
        "inflow_p10": p10,
        "inflow_p50": p50,
        "inflow_p90": p90,
        "inflow_due_date": due,
    }


def _kept(as_of, weeks, **extra) -> ForecastRun:  # type: ignore[no-untyped-def]
    return ForecastRun.objects.create(
        as_of=as_of,
        status=extra.pop("status", ForecastStatus.DONE),
        paths=100,
        seed=1,
        currency="CNY",
        weeks=weeks,
        **extra,
    )


@pytest.fixture
def kept(company, treasurer):
    """Two forecasts, three and two weeks ago, and what came in since: 1,000 in the first
    week, nothing in the second, 2,000 in the third."""
    today = timezone.localdate()
    first, second, third = (today - timedelta(days=d) for d in (21, 14, 7))
    customer = CustomerFactory(owner=company.rep_east)
    pay(company.finance, customer, "1000.00", first + timedelta(days=2))
    pay(company.finance, customer, "2000.00", third + timedelta(days=6))
    pay(company.finance, customer, "500.00", today)  # this week: not over yet
    older = _kept(
        first,
        [_week(first, 500, 800, 1200, 900)]
        + [_week(first + timedelta(weeks=n), 0, 100, 200, 0) for n in range(1, 13)],
    )
    newer = _kept(
        second,
        [_week(second, 100, 300, 600, 0), _week(third, 1500, 2500, 3000, 1000)]
        + [_week(second + timedelta(weeks=n), 0, 0, 0, 0) for n in range(2, 13)],
    )
    # Neither a scenario's run nor a failed one is scored.
    scenario = Scenario.objects.create(name="x", parameters={"delay_days": 5}, created_by=treasurer)
    _kept(first, [_week(first, 0, 0, 0, 0)], scenario=scenario)
    _kept(first, [_week(first, 0, 0, 0, 0)], status=ForecastStatus.FAILED)
    # Nor one made more than a year ago.
    long_ago = today - timedelta(days=400)
    _kept(long_ago, [_week(long_ago, 0, 9999, 9999, 0)])
    return older, newer


def test_each_passed_week_is_scored_at_its_horizon(kept):
    scores = accuracy(timezone.localdate())
    assert scores.forecasts == 2
    one, four, thirteen = scores.horizons
    # Week 1 of each: (1,000 against 800) and (0 against 300); the baseline 900 and 0.
    assert one.pairs == 2
    assert one.wape == pytest.approx((200 + 300) / 1000)
    assert one.wape_due_date == pytest.approx(100 / 1000)
    assert one.coverage == pytest.approx(0.5)  # 1,000 within 500-1,200; 0 below 100
    assert four.pairs == thirteen.pairs == 0 and four.wape is None
    assert [(w.start, w.actual, w.inside) for w in scores.recent] == [
        (kept[0].as_of, 1000.0, True),
        (kept[1].as_of, 0.0, False),
    ]
    assert_verified()


def test_the_command_the_api_and_the_page_show_the_scores(kept, client, treasurer):
    out = StringIO()
    call_command("forecast", "accuracy", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2 kept forecasts")
    assert lines[2].split() == ["1", "2", "50.0%", "10.0%", "50.0%"]
    client.force_login(treasurer)
    body = client.get("/api/v1/treasury/forecast-accuracy").json()
    assert body["forecasts"] == 2 and body["horizons"][0]["pairs"] == 2
    assert body["recent"][0]["inside"] is True
    page = client.get(reverse("treasury:forecast_accuracy"))
    assert b'data-testid="accuracy-weeks"' in page.content
    assert b'data-testid="horizon-1"' in page.content


def test_without_kept_weeks_the_page_says_so(company, client, treasurer):
    client.force_login(treasurer)
    page = client.get(reverse("treasury:forecast_accuracy"))
    assert b'data-testid="accuracy-none"' in page.content
    client.force_login(company.rep_east)
    assert client.get(reverse("treasury:forecast_accuracy")).status_code == 403
