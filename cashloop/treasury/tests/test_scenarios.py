"""What-if scenarios (decision 056): the parameters checked, what each changes in the
receipts and the planned items, and a scenario run against its base, through the service,
the API and the pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.customers.models import CustomerGroup
from cashloop.treasury.behaviour import QUANTILES
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import ForecastRun, Scenario
from cashloop.treasury.receipts import OPEN_ITEM, PIPELINE, Expected
from cashloop.treasury.scenarios import ScenarioParams, apply
from cashloop.treasury.services import forecast_run_create, scenario_delete, scenario_save
from cashloop.treasury.simulation import Receipts
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = 10_000


def _found() -> Expected:
    """Three receipts: customer 1 (group 7) due in 30 days, customer 2 overdue, a deal of 3
    (scored 40) on 60 days' terms."""
    return Expected(
        day=DAY,
        receipts=Receipts(
            amount=np.array([1000.0, 500.0, 2000.0]),
            rows=np.zeros((3, QUANTILES)),
            due=np.array([DAY + 30, DAY - 5, DAY + 60]),
            overdue=np.array([-30, 5, -60]),
            chance=np.array([1.0, 1.0, 0.4]),
        ),
        customer=np.array([1, 2, 3]),
        segment=np.array([7, 0, 0]),
        kind=np.array([OPEN_ITEM, OPEN_ITEM, PIPELINE]),
        terms=np.array([0, 0, 60]),
        score=np.array([-1, -1, 40]),
    )


def test_each_parameter_changes_its_receipts_only():
    found = _found()
    later = apply(ScenarioParams(delay_days=15, delay_group_id=7), found)
    assert later.receipts.rows[:, 0].tolist() == [15, 0, 0]
    wins = apply(ScenarioParams(win_rate_change=50), found)
    assert wins.receipts.chance.tolist() == [1.0, 1.0, pytest.approx(0.6)]
    gone = apply(ScenarioParams(default_customer_id=2), found)
    assert gone.receipts.chance.tolist() == [1.0, 0.0, 0.4]
    assert found.receipts.chance.tolist() == [1.0, 1.0, 0.4]  # the base is left as it was


def test_tighter_terms_for_low_scores_bring_their_deals_forward():
    found = _found()
    tight = apply(ScenarioParams(terms_score_below=50, terms_days=30, terms_lost_percent=25), found)
    # The deal of customer 3, scored 40: due 30 days sooner, a quarter of it lost.
    assert tight.receipts.due.tolist() == [DAY + 30, DAY - 5, DAY + 30]
    assert tight.receipts.overdue.tolist() == [-30, 5, -30]
    assert tight.receipts.chance.tolist() == [1.0, 1.0, pytest.approx(0.3)]
    # A score at the line, or terms already short enough, change nothing.
    same = apply(ScenarioParams(terms_score_below=40, terms_days=30), found)
    assert same.receipts.due.tolist() == found.receipts.due.tolist()
    long = apply(ScenarioParams(terms_score_below=50, terms_days=90), found)
    assert long.receipts.due.tolist() == found.receipts.due.tolist()


def test_a_discount_splits_what_is_not_due_yet_between_takers_and_the_others():
    found = _found()
    offered = apply(ScenarioParams(discount_percent=2, discount_uptake=25, discount_days=10), found)
    receipts = offered.receipts
    # The overdue receipt is not offered it; the two not due are split.
    assert len(receipts.amount) == 5
    assert receipts.chance.tolist() == pytest.approx([0.75, 1.0, 0.3, 0.25, 0.1])
    assert receipts.amount[3:].tolist() == [980.0, 1960.0]
    assert receipts.rows[3:, 0].tolist() == [-10, -10]
    assert offered.customer.tolist() == [1, 2, 3, 1, 3]


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ({"delay_days": 400}, TreasuryError.SCENARIO_INVALID, "delay_days"),
        ({"win_rate_change": -150}, TreasuryError.SCENARIO_INVALID, "win_rate_change"),
        ({"colour": "blue"}, TreasuryError.SCENARIO_INVALID, "colour"),
        ({"delay_days": "soon"}, TreasuryError.SCENARIO_INVALID, "parameters"),
        ({"default_customer_id": 999999}, TreasuryError.SCENARIO_INVALID, "default_customer_id"),
        ({"discount_percent": 3}, TreasuryError.SCENARIO_CONTRADICTORY, "discount_uptake"),
        ({"discount_uptake": 30}, TreasuryError.SCENARIO_CONTRADICTORY, "discount_uptake"),
        ({"planned_shift_days": 30}, TreasuryError.SCENARIO_CONTRADICTORY, "planned_shift_days"),
        ({"delay_group_id": 1}, TreasuryError.SCENARIO_CONTRADICTORY, "delay_group_id"),
        ({"terms_score_below": 50}, TreasuryError.SCENARIO_CONTRADICTORY, "terms_days"),
        ({"terms_days": 30}, TreasuryError.SCENARIO_CONTRADICTORY, "terms_days"),
        ({"terms_lost_percent": 10}, TreasuryError.SCENARIO_CONTRADICTORY, "terms_lost_percent"),
        (
            {"terms_score_below": 50, "terms_days": 400},
            TreasuryError.SCENARIO_INVALID,
            "terms_days",
        ),
        ({}, TreasuryError.SCENARIO_EMPTY, None),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_saved(company, treasurer, raw, code, field):
    with pytest.raises(DomainError) as refused:
        scenario_save(actor=treasurer, name="坏的 Bad", parameters=raw)
    assert refused.value.code is code
    assert refused.value.details.get("field") == field
    assert not Scenario.objects.exists()


def test_a_scenario_is_saved_changed_and_deleted_with_its_runs(company, treasurer):
    group = CustomerGroup.objects.create(name="经销商 Distributors")
    made = scenario_save(
        actor=treasurer,
        name="晚付 15 天",
        parameters={"delay_days": 15, "delay_group_id": group.pk},
    )
    assert made.parameters["delay_days"] == 15 and made.parameters["win_rate_change"] == 0
    with pytest.raises(DomainError) as taken:
        scenario_save(actor=treasurer, name="晚付 15 天", parameters={"delay_days": 5})
    assert taken.value.code is TreasuryError.SCENARIO_NAME_TAKEN
    changed = scenario_save(
        actor=treasurer, scenario_id=made.pk, name="晚付 20 天", parameters={"delay_days": 20}
    )
    assert changed.parameters["delay_group_id"] is None
    with pytest.raises(DomainError) as denied:
        scenario_save(actor=company.rep_east, name="x", parameters={"delay_days": 1})
    assert denied.value.code.code == "permission.denied"
    scenario_delete(actor=treasurer, scenario_id=made.pk)
    assert not Scenario.objects.exists()


def test_customers_paying_later_raise_the_chance_of_going_below_the_minimum(
    book, treasurer, django_capture_on_commit_callbacks
):
    from cashloop.treasury.services import treasury_settings_update

    # 500,000 in the bank, 120,000 due in ten days, rent of 30,000 from day 3: below
    # 480,000 until the customer pays.
    treasury_settings_update(actor=treasurer, minimum_balance=Decimal("480000"))
    later = scenario_save(actor=treasurer, name="晚付", parameters={"delay_days": 15})
    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_create(actor=treasurer, scenario_id=later.pk, seed=4, paths=300)
    run.refresh_from_db()
    assert run.scenario == later and run.parameters["delay_days"] == 15
    base = [w["shortfall"] for w in run.base_weeks]
    mine = [w["shortfall"] for w in run.weeks]
    # Base: paid in week 2, the balance is back above the minimum from week 2 on.
    assert base[:3] == [1, 0, 0]
    # Fifteen days later: still below in weeks 2 and 3.
    assert mine[:4] == [1, 1, 1, 0]
    # A scenario's run does not replace the page's forecast.
    assert ForecastRun.objects.filter(scenario__isnull=True).count() == 0


def test_the_api_saves_and_runs_scenarios(
    book, client, treasurer, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)
    bad = client.post(
        "/api/v1/treasury/scenarios",
        {"name": "x", "parameters": {"discount_percent": 2}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "treasury.scenario_contradictory"
    made = client.post(
        "/api/v1/treasury/scenarios",
        {"name": "Late", "parameters": {"delay_days": 15}},
        content_type="application/json",
    )
    assert made.status_code == 201
    scenario_id = made.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            f"/api/v1/treasury/scenarios/{scenario_id}/run",
            {"paths": 200, "seed": 2},
            content_type="application/json",
        )
    assert queued.status_code == 202 and queued.json()["scenario_id"] == scenario_id
    done = client.get(f"/api/v1/treasury/forecasts/{queued.json()['id']}").json()
    assert len(done["weeks"]) == len(done["base_weeks"]) == 13
    assert client.get("/api/v1/treasury/scenarios").json()[0]["name"] == "Late"
    assert client.delete(f"/api/v1/treasury/scenarios/{scenario_id}").status_code == 204
    missing = client.post(
        f"/api/v1/treasury/scenarios/{scenario_id}/run", {}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_the_pages_save_a_scenario_and_compare_it(
    book, client, treasurer, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)
    refused = client.post(
        reverse("treasury:scenarios"),
        {"name": "Discount", "discount_percent": "2", "discount_uptake": "0"},
    )
    assert refused.status_code == 200 and not Scenario.objects.exists()
    assert "discount_uptake" in refused.context["form"].errors
    unknown = client.post(
        reverse("treasury:scenarios"), {"name": "Gone", "default_customer": "NOPE"}
    )
    assert "default_customer" in unknown.context["form"].errors
    customer = CustomerFactory(owner=treasurer)
    saved = client.post(
        reverse("treasury:scenarios"),
        {"name": "Big one defaults", "default_customer": customer.code, "delay_days": "15"},
    )
    assert saved.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.parameters["default_customer_id"] == customer.pk
    edit = client.get(reverse("treasury:scenario_edit", args=[scenario.pk]))
    assert customer.code.encode() in edit.content
    with django_capture_on_commit_callbacks(execute=True):
        ran = client.post(reverse("treasury:scenario_run", args=[scenario.pk]))
    assert ran.status_code == 302
    page = client.get(ran.url)
    assert b'data-testid="scenario-compare"' in page.content
    assert b'data-testid="compare-chart"' in page.content
    today = timezone.localdate()
    assert (today + timedelta(days=7)).isoformat().encode() in page.content
