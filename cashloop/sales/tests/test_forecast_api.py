"""Forecast, adjustment, snapshot, accuracy and funnel endpoints; codes on bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.models import AuditEntry
from cashloop.sales import forecast, services
from cashloop.sales.models import ForecastAdjustment, ForecastSnapshot

URL = "/api/v1/sales"


@pytest.fixture
def period():  # type: ignore[no-untyped-def]
    return forecast.period_containing(timezone.localdate(), quarter=True)


@pytest.fixture
def deals(company, make_opportunity, stages, period):  # type: ignore[no-untyped-def]
    c = make_opportunity(amount=Decimal("80000.00"), expected_close_date=period.end)
    services.opportunity_move(
        actor=company.rep_east, opportunity_id=c.pk, stage_id=stages["open4"].pk
    )
    make_opportunity(
        owner=company.rep_south, amount=Decimal("10000.00"), expected_close_date=period.end
    )


def test_forecast_by_rep_and_by_team(client, company, deals, period):
    client.force_login(company.admin)
    body = client.get(f"{URL}/forecast", {"period": period.key.lower()}).json()
    assert body["period"] == period.key and body["group"] == "rep"
    east = next(line for line in body["lines"] if line["user"]["id"] == company.rep_east.pk)
    assert east["commit"] == "80000.00" and east["weighted"] == "60000.00"
    assert east["team"]["name"] == "East"
    assert body["total"]["pipeline"] == "90000.00"
    teams = client.get(f"{URL}/forecast", {"period": period.key, "group": "team"}).json()
    assert [(line["team"]["name"], line["pipeline"]) for line in teams["lines"]] == [
        ("East", "80000.00"),
        ("South", "10000.00"),
    ]


def test_forecast_is_scoped(client, company, deals, period):
    client.force_login(company.rep_south)
    body = client.get(f"{URL}/forecast", {"period": period.key}).json()
    assert [line["user"]["id"] for line in body["lines"]] == [company.rep_south.pk]
    assert body["total"]["pipeline"] == "10000.00"


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q0", "Q4-2026", "soon"])
def test_bad_period_is_refused(client, company, bad):
    client.force_login(company.manager_east)
    for path in ("forecast", "forecast-accuracy", "forecast/snapshots"):
        response = client.get(f"{URL}/{path}", {"period": bad})
        assert response.status_code == 422, path
        assert response.json()["error"]["code"] == "forecast.period_invalid"


def test_bad_group_and_reversed_funnel_range(client, company):
    client.force_login(company.manager_east)
    response = client.get(f"{URL}/forecast", {"period": "2026-Q4", "group": "planet"})
    assert response.status_code == 422
    response = client.get(f"{URL}/funnel", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "funnel.date_range_invalid"


def test_manager_adjusts_a_rep_of_the_team(client, company, deals, period):
    client.force_login(company.manager_east)
    response = client.post(
        f"{URL}/forecast/adjustments",
        {
            "period": period.key,
            "user_id": company.rep_east.pk,
            "amount": "70000.00",
            "note": "C slips",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "70000.00"
    body = client.get(f"{URL}/forecast", {"period": period.key}).json()
    east = next(line for line in body["lines"] if line["user"]["id"] == company.rep_east.pk)
    assert (east["commit"], east["adjusted_commit"], east["adjustment_note"]) == (
        "80000.00",
        "70000.00",
        "C slips",
    )
    listed = client.get(f"{URL}/forecast/adjustments", {"period": period.key}).json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("who", "target", "payload", "status", "code"),
    [
        ("manager_east", "rep_south", {}, 403, "forecast.user_outside_scope"),
        ("rep_east", "rep_east", {}, 403, "permission.denied"),
        ("rep_east", "rep_east_sub", {}, 403, "permission.denied"),
        ("manager_east", "rep_east", {"period": "2026-Q9"}, 422, "forecast.period_invalid"),
        ("manager_east", "rep_east", {"amount": "-5.00"}, 422, "forecast.amount_invalid"),
        ("manager_east", "rep_east", {"note": ""}, 422, "forecast.note_required"),
        ("manager_east", "rep_east", {"user_id": 999999}, 403, "forecast.user_outside_scope"),
    ],
)
def test_adjustment_refusals(client, company, period, who, target, payload, status, code):
    client.force_login(getattr(company, who))
    body = {
        "period": period.key,
        "user_id": getattr(company, target).pk,
        "amount": "1000.00",
        "note": "why",
        **payload,
    }
    response = client.post(f"{URL}/forecast/adjustments", body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not ForecastAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(object_type__model="forecastadjustment").exists()


def test_snapshots_and_accuracy(client, company, deals, period):
    services.forecast_snapshot_take(as_of=timezone.localdate())
    client.force_login(company.manager_east)
    snaps = client.get(f"{URL}/forecast/snapshots", {"period": period.key}).json()
    assert [s["user"]["id"] for s in snaps["items"]] == [company.rep_east.pk]
    assert snaps["items"][0]["commit"] == "80000.00"
    client.force_login(company.finance)
    assert client.get(f"{URL}/forecast/snapshots", {"period": period.key}).json()["count"] == 2
    body = client.get(
        f"{URL}/forecast-accuracy",
        {"period": period.key, "as_of": timezone.localdate().isoformat()},
    ).json()
    east = next(line for line in body["lines"] if line["user"]["id"] == company.rep_east.pk)
    assert (east["weighted"], east["commit"], east["actual_closed_won"]) == (
        "60000.00",
        "80000.00",
        "0.00",
    )
    assert east["commit_accuracy_percent"] == "0.0"
    assert body["total"]["weighted"] == "61000.00"  # 60,000 + 10% of 10,000
    assert ForecastSnapshot.objects.count() >= 2


def test_funnel_endpoint(client, company, deals, stages):
    client.force_login(company.manager_east)
    body = client.get(f"{URL}/funnel").json()
    entered = {row["stage"]["id"]: row["entered"] for row in body["stages"]}
    assert entered[stages["open1"].pk] == 1 and entered[stages["open4"].pk] == 1
    assert body["stages"][0]["conversion_percent"] == "100.0"
    assert body["weakest_stage_id"] is not None


def test_forecast_category_through_the_opportunity_api(client, company, make_opportunity):
    opp = make_opportunity()
    client.force_login(company.rep_east)
    response = client.patch(
        f"/api/v1/opportunities/{opp.pk}",
        {"forecast_category": "commit"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["forecast_category"] == "commit"
    response = client.patch(
        f"/api/v1/opportunities/{opp.pk}",
        {"forecast_category": "closed"},
        content_type="application/json",
    )
    assert response.json()["error"]["code"] == "opportunity.forecast_category_invalid"
