"""Forecast, funnel and accuracy pages: bounded queries, scope, inline adjustment, bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cashloop.sales import forecast, services
from cashloop.sales.models import ForecastAdjustment


@pytest.fixture
def period():  # type: ignore[no-untyped-def]
    return forecast.period_containing(timezone.localdate(), quarter=True)


def _many(make_opportunity, company, stages, period, n):  # type: ignore[no-untyped-def]
    owners = [company.rep_east, company.rep_east_sub, company.rep_south]
    for i in range(n):
        opp = make_opportunity(
            owner=owners[i % 3], amount=Decimal(1000 + i), expected_close_date=period.end
        )
        if i % 2:
            services.opportunity_move(
                actor=opp.owner, opportunity_id=opp.pk, stage_id=stages[f"open{1 + i % 4}"].pk
            )
        if i % 5 == 0:
            services.opportunity_move(
                actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["won"].pk
            )


@pytest.mark.parametrize("size", [3, 60])
def test_forecast_and_funnel_pages_run_bounded_queries(
    client, company, make_opportunity, stages, period, size, django_assert_max_num_queries
):
    _many(make_opportunity, company, stages, period, size)
    services.forecast_adjust(
        actor=company.admin, period=period.key, user_id=company.rep_east.pk, amount=1, note="x"
    )
    client.force_login(company.admin)
    with django_assert_max_num_queries(16):
        response = client.get("/sales/forecast/", {"period": period.key})
    assert response.status_code == 200
    reps = sum(len(g.rows) for g in response.context["forecast"].groups)
    assert reps == 3
    with django_assert_max_num_queries(16):
        response = client.get("/sales/funnel/")
    assert response.status_code == 200
    assert response.context["funnel"].stages[0].reached == size
    with django_assert_max_num_queries(16):
        assert client.get("/sales/forecast/accuracy/").status_code == 200


def test_manager_adjusts_inline_and_the_table_comes_back(client, company, make_opportunity, period):
    make_opportunity(amount=Decimal("5000.00"), expected_close_date=period.end)
    make_opportunity(
        owner=company.rep_south, amount=Decimal("7000.00"), expected_close_date=period.end
    )
    client.force_login(company.manager_east)
    with translation.override("en"):
        page = client.get("/sales/forecast/", {"period": period.key})
        html = page.content.decode()
        assert f'data-testid="adjust-{company.rep_east.pk}"' in html
        assert f'data-testid="rep-{company.rep_south.pk}"' not in html  # not in the team
        response = client.post(
            "/sales/forecast/adjust/",
            {
                "period": period.key,
                "user_id": company.rep_east.pk,
                "amount": "4,000.00",
                "note": "half of it",
            },
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    assert 'id="forecast-table"' in response.content.decode()
    assert ForecastAdjustment.objects.get().amount == Decimal("4000.00")
    assert response.context["forecast"].adjusted_commit == Decimal("4000.00")


def test_inline_refusals_show_and_change_nothing(client, company, period):
    client.force_login(company.manager_east)
    response = client.post(
        "/sales/forecast/adjust/",
        {"period": period.key, "user_id": company.rep_east.pk, "amount": "-1", "note": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="adjust-error"' in response.content.decode()
    outside = client.post(
        "/sales/forecast/adjust/",
        {"period": period.key, "user_id": company.rep_south.pk, "amount": "1", "note": "x"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "reps in your own teams" in outside.content.decode()
    client.force_login(company.rep_east)
    denied = client.post(
        "/sales/forecast/adjust/",
        {"period": period.key, "user_id": company.rep_east.pk, "amount": "1", "note": "x"},
    )
    assert denied.status_code == 403
    assert not ForecastAdjustment.objects.exists()


def test_rep_sees_own_row_without_adjusting(client, company, make_opportunity, period):
    make_opportunity(amount=Decimal("5000.00"), expected_close_date=period.end)
    make_opportunity(
        owner=company.rep_south, amount=Decimal("7000.00"), expected_close_date=period.end
    )
    client.force_login(company.rep_east)
    response = client.get("/sales/forecast/", {"period": period.key})
    html = response.content.decode()
    assert f'data-testid="rep-{company.rep_east.pk}"' in html
    assert f'data-testid="rep-{company.rep_south.pk}"' not in html
    assert "adjust-form" not in html


def test_bad_input_on_pages_is_shown_with_its_code(client, company):
    client.force_login(company.manager_east)
    with translation.override("en"):
        response = client.get("/sales/forecast/", {"period": "2026-Q7"})
        assert response.status_code == 200
        assert "forecast.period_invalid" in response.content.decode()
        today = timezone.localdate()
        response = client.get(
            "/sales/funnel/",
            {"date_from": today.isoformat(), "date_to": (today - timedelta(days=2)).isoformat()},
        )
        assert "funnel.date_range_invalid" in response.content.decode()
        response = client.get("/sales/forecast/accuracy/", {"period": "nope"})
        assert "forecast.period_invalid" in response.content.decode()


def test_funnel_page_draws_the_chart_and_names_the_weakest_stage(
    client, company, make_opportunity, stages
):
    for n in range(3):
        opp = make_opportunity(name=f"D{n}")
        if n:
            services.opportunity_move(
                actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["open2"].pk
            )
    client.force_login(company.manager_east)
    with translation.override("en"):
        html = client.get("/sales/funnel/").content.decode()
    assert 'data-testid="funnel-chart"' in html and "<rect" in html
    assert 'data-testid="weakest"' in html


def test_tabs_link_the_new_pages(client, company):
    client.force_login(company.rep_east)
    html = client.get("/sales/").content.decode()
    for testid in ("tab-forecast", "tab-funnel", "tab-accuracy"):
        assert f'data-testid="{testid}"' in html
