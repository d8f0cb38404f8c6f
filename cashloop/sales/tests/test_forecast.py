"""Forecast: periods, categories, figures with worked examples, adjustments, snapshots, accuracy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.sales import forecast, services
from cashloop.sales.choices import ForecastCategory
from cashloop.sales.models import (
    ForecastAdjustment,
    ForecastSnapshot,
    Opportunity,
    StageChange,
)


def _move(opportunity, stage, actor=None, **kwargs):  # type: ignore[no-untyped-def]
    return services.opportunity_move(
        actor=actor or opportunity.owner, opportunity_id=opportunity.pk, stage_id=stage.pk, **kwargs
    )


@pytest.fixture
def period():  # type: ignore[no-untyped-def]
    return forecast.period_containing(timezone.localdate())


@pytest.fixture
def deals(company, make_opportunity, stages, period):  # type: ignore[no-untyped-def]
    """rep_east: one deal in each category, a USD deal, a won, a lost and a later one;
    rep_south: one pipeline deal."""
    close = period.end
    make = make_opportunity
    make(name="A", amount=Decimal("100000.00"), expected_close_date=close)  # 10 %
    _move(make(name="B", amount=Decimal("50000.00"), expected_close_date=close), stages["open3"])
    _move(make(name="C", amount=Decimal("80000.00"), expected_close_date=close), stages["open4"])
    d = make(name="D", amount=Decimal("30000.00"), expected_close_date=close)
    services.opportunity_update(
        actor=company.rep_east,
        opportunity_id=d.pk,
        changes={"forecast_category": ForecastCategory.OMITTED},
    )
    e = make(
        name="E",
        amount=Decimal("1000.00"),
        currency="USD",
        rate=Decimal("7.1"),
        expected_close_date=close,
    )
    _move(e, stages["open4"])
    _move(make(name="F", amount=Decimal("20000.00"), expected_close_date=close), stages["won"])
    _move(
        make(name="H", amount=Decimal("999.00"), expected_close_date=close),
        stages["lost"],
        lost_reason="price",
    )
    make(name="Later", amount=Decimal("5000.00"), expected_close_date=period.end + timedelta(1))
    make(
        owner=company.rep_south,
        name="G",
        amount=Decimal("10000.00"),
        expected_close_date=close,
        stage_id=stages["open2"].pk,
    )


def test_periods_parse_and_refuse():
    assert forecast.parse_period("2026-q4").start.isoformat() == "2026-10-01"
    assert forecast.parse_period("2026-Q4").end.isoformat() == "2026-12-31"
    assert forecast.parse_period("2024-02").end.isoformat() == "2024-02-29"
    for bad in ("2026-13", "2026-Q5", "26-11", "", "2026/11", "2026-11-01"):
        with pytest.raises(DomainError) as info:
            forecast.parse_period(bad)
        assert info.value.code.code == "forecast.period_invalid"


def test_category_follows_probability_thresholds_and_resets_on_move(
    company, make_opportunity, stages, pipeline
):
    opp = make_opportunity()
    assert opp.forecast_category == ForecastCategory.PIPELINE
    assert _move(opp, stages["open3"]).forecast_category == ForecastCategory.BEST_CASE
    services.opportunity_update(
        actor=company.rep_east,
        opportunity_id=opp.pk,
        changes={"forecast_category": ForecastCategory.COMMIT},
    )
    assert _move(opp, stages["open2"]).forecast_category == ForecastCategory.PIPELINE
    services.opportunity_probability_override(
        actor=company.rep_east, opportunity_id=opp.pk, probability=80, reason="PO promised"
    )
    opp.refresh_from_db()
    assert opp.forecast_category == ForecastCategory.COMMIT
    assert _move(opp, stages["won"]).forecast_category == ForecastCategory.CLOSED
    with pytest.raises(DomainError) as info:
        services.opportunity_update(
            actor=company.rep_east, opportunity_id=opp.pk, changes={"forecast_category": "commit"}
        )
    assert info.value.code.code == "opportunity.closed"


def test_rep_may_not_choose_closed_and_admin_may_move_thresholds(
    company, make_opportunity, stages, pipeline
):
    opp = make_opportunity()
    with pytest.raises(DomainError) as info:
        services.opportunity_update(
            actor=company.rep_east, opportunity_id=opp.pk, changes={"forecast_category": "closed"}
        )
    assert info.value.code.code == "opportunity.forecast_category_invalid"
    with pytest.raises(DomainError) as info:
        services.pipeline_update(
            actor=company.admin,
            pipeline_id=pipeline.pk,
            changes={"best_case_probability": 80, "commit_probability": 70},
        )
    assert info.value.code.code == "pipeline.forecast_thresholds_invalid"
    services.pipeline_update(
        actor=company.admin, pipeline_id=pipeline.pk, changes={"commit_probability": 50}
    )
    assert _move(opp, stages["open3"]).forecast_category == ForecastCategory.COMMIT


def test_figures_worked_example(company, deals, period):
    result = forecast.forecast_get(user=company.admin, period=period)
    rows = {row.user.username: row.figures for g in result.groups for row in g.rows}
    east = rows["rep_east"]
    # closed won F 20,000; commit C 80,000 + E 1,000 USD x 7.1; best case B; D omitted
    assert east.closed_won == Decimal("20000.00")
    assert east.commit == Decimal("107100.00")  # 20,000 + 80,000 + 7,100
    assert east.best_case == Decimal("157100.00")  # + 50,000
    assert east.pipeline == Decimal("237100.00")  # A + B + C + E, open and not omitted
    # 20,000 + 10% of 100,000 + 50% of 50,000 + 75% of 80,000 + 75% of 7,100
    assert east.weighted == Decimal("120325.00")
    assert east.adjusted_commit == east.commit
    assert rows["rep_south"].pipeline == Decimal("10000.00")
    assert rows["rep_south"].weighted == Decimal("2500.00")
    assert result.total.pipeline == Decimal("247100.00")
    assert [g.team.name for g in result.groups] == ["East", "South"]


def test_scope_rep_own_manager_team_finance_all(company, deals, period, make_opportunity):
    make_opportunity(
        owner=company.rep_east_sub, amount=Decimal("4000.00"), expected_close_date=period.end
    )

    def seen(user):  # type: ignore[no-untyped-def]
        result = forecast.forecast_get(user=user, period=period)
        return sorted(row.user.username for g in result.groups for row in g.rows)

    assert seen(company.rep_east) == ["rep_east"]
    assert seen(company.manager_east) == ["rep_east", "rep_sub"]
    assert seen(company.finance) == ["rep_east", "rep_south", "rep_sub"]


def test_adjustment_replaces_commit_and_is_audited(company, deals, period):
    services.forecast_adjust(
        actor=company.manager_east,
        period=period.key,
        user_id=company.rep_east.pk,
        amount="90000.00",
        note="C slips to next month",
    )
    newest = services.forecast_adjust(
        actor=company.manager_east,
        period=period.key,
        user_id=company.rep_east.pk,
        amount="95000",
        note="C is back",
    )
    result = forecast.forecast_get(user=company.manager_east, period=period)
    east = next(g for g in result.groups if g.team == company.east)
    assert east.rows[0].figures.adjusted_commit == Decimal("95000.00")
    assert east.adjusted_commit == Decimal("95000.00")
    assert result.adjusted_commit == Decimal("95000.00")
    assert AuditEntry.objects.filter(object_id=str(newest.pk), reason="C is back").exists()


@pytest.mark.parametrize(
    ("who", "target", "amount", "note", "code"),
    [
        ("rep_east", "rep_east", "1.00", "x", "permission.denied"),
        ("manager_east", "rep_south", "1.00", "x", "forecast.user_outside_scope"),
        ("manager_east", "manager_east", "1.00", "x", "forecast.own_adjustment"),
        ("manager_east", "rep_east", "-1.00", "x", "forecast.amount_invalid"),
        ("manager_east", "rep_east", "1.001", "x", "forecast.amount_invalid"),
        ("manager_east", "rep_east", "1.00", "  ", "forecast.note_required"),
    ],
)
def test_adjustment_refusals_change_nothing(company, period, who, target, amount, note, code):
    with pytest.raises(DomainError) as info:
        services.forecast_adjust(
            actor=getattr(company, who),
            period=period.key,
            user_id=getattr(company, target).pk,
            amount=amount,
            note=note,
        )
    assert info.value.code.code == code
    assert not ForecastAdjustment.objects.exists()


def test_snapshot_is_weekly_idempotent(company, deals, period):
    today = timezone.localdate()
    first = services.forecast_snapshot_take(as_of=today)
    again = services.forecast_snapshot_take(as_of=today)
    assert first == again and ForecastSnapshot.objects.count() == first
    snap = ForecastSnapshot.objects.get(period=period.key, user=company.rep_east)
    assert (snap.pipeline, snap.commit, snap.weighted, snap.closed_won) == (
        Decimal("237100.00"),
        Decimal("107100.00"),
        Decimal("120325.00"),
        Decimal("20000.00"),
    )
    assert snap.team == company.east and snap.week.weekday() == 0


def test_past_snapshot_rebuilds_what_was_open_from_history(company, make_opportunity, stages):
    today = timezone.localdate()
    period = forecast.period_containing(today + timedelta(days=40))
    opp = make_opportunity(amount=Decimal("100000.00"), expected_close_date=period.start)
    _move(opp, stages["open4"])
    first, second = StageChange.objects.filter(opportunity=opp).order_by("id")
    now = timezone.now()
    StageChange.objects.filter(pk=first.pk).update(changed_at=now - timedelta(days=20))
    StageChange.objects.filter(pk=second.pk).update(changed_at=now - timedelta(days=2))
    then = forecast.figures_as_of(period, today - timedelta(days=10))[company.rep_east.pk]
    assert (then.pipeline, then.commit, then.weighted) == (
        Decimal("100000.00"),
        Decimal("0.00"),
        Decimal("10000.00"),
    )
    now_figures = forecast.figures_as_of(period, today)[company.rep_east.pk]
    assert now_figures.commit == Decimal("100000.00")
    assert forecast.figures_as_of(period, today - timedelta(days=30)) == {}


def test_accuracy_worked_example(company, make_opportunity, stages):
    today = timezone.localdate()
    past = forecast.period_containing(today).previous()
    values = {
        "pipeline": Decimal(0),
        "best_case": Decimal(0),
        "commit": Decimal(0),
        "closed_won": Decimal(0),
    }
    for days, weighted, commit in ((10, "1.00", "1.00"), (3, "50000.00", "60000.00")):
        as_of = past.start - timedelta(days=days)
        ForecastSnapshot.objects.create(
            period=past.key,
            user=company.rep_east,
            team=company.east,
            week=as_of - timedelta(days=as_of.weekday()),
            as_of=as_of,
            weighted=Decimal(weighted),
            adjusted_commit=Decimal(commit),
            **values,
        )
    won = _move(make_opportunity(amount=Decimal("40000.00")), stages["won"])
    Opportunity.objects.filter(pk=won.pk).update(
        closed_at=timezone.now().replace(year=past.start.year, month=past.start.month, day=5)
    )
    result = forecast.accuracy_get(user=company.manager_east, period=past)
    line = result.groups[0].rows[0].line
    assert (line.weighted, line.commit, line.actual) == (
        Decimal("50000.00"),
        Decimal("60000.00"),
        Decimal("40000.00"),
    )
    assert line.weighted_error == Decimal("10000.00")
    assert line.weighted_accuracy == Decimal("75.0")  # 1 - 10,000 / 40,000
    assert line.commit_accuracy == Decimal("50.0")  # 1 - 20,000 / 40,000
    assert result.total.actual == Decimal("40000.00")
    assert forecast.accuracy_get(user=company.rep_south, period=past).groups == []


def test_accuracy_percent_edges():
    assert forecast.accuracy_percent(Decimal(0), Decimal(0)) == Decimal(100)
    assert forecast.accuracy_percent(Decimal(5), Decimal(0)) == Decimal(0)
    assert forecast.accuracy_percent(Decimal(300), Decimal(100)) == Decimal(0)
    assert forecast.accuracy_percent(Decimal(90), Decimal(120)) == Decimal("75.0")
