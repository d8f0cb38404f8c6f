"""Funnel: entering, reaching, conversion, time in stage, win rates, the weakest stage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.sales import funnel, services
from cashloop.sales.models import StageChange


def _walk(opportunity, steps, actor):  # type: ignore[no-untyped-def]
    """Move through (stage, days ago) steps; the creation is dated by the first one."""
    now = timezone.now()
    for stage, _days in steps[1:]:
        kwargs = {"lost_reason": "price"} if stage.kind == "lost" else {}
        services.opportunity_move(
            actor=actor, opportunity_id=opportunity.pk, stage_id=stage.pk, **kwargs
        )
    rows = list(StageChange.objects.filter(opportunity=opportunity).order_by("id"))
    for row, (_stage, days) in zip(rows, steps, strict=True):
        StageChange.objects.filter(pk=row.pk).update(changed_at=now - timedelta(days=days))


@pytest.fixture
def history(company, make_opportunity, stages):  # type: ignore[no-untyped-def]
    s = stages
    o1 = make_opportunity(name="O1", amount=Decimal("1000.00"), source="website")
    _walk(o1, [(s["open1"], 10), (s["open2"], 8), (s["open3"], 5), (s["won"], 1)], o1.owner)
    o2 = make_opportunity(name="O2", amount=Decimal("2000.00"), source="referral")
    _walk(o2, [(s["open1"], 10), (s["open2"], 6), (s["lost"], 0)], o2.owner)
    o3 = make_opportunity(name="O3", amount=Decimal("3000.00"), owner=company.rep_south)
    _walk(o3, [(s["open1"], 9), (s["open3"], 6)], o3.owner)
    o4 = make_opportunity(name="O4", amount=Decimal("4000.00"), owner=company.rep_south)
    _walk(o4, [(s["open1"], 4)], o4.owner)


def _get(user, pipeline, days=30):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return funnel.funnel_get(
        user=user, pipeline=pipeline, date_from=today - timedelta(days=days), date_to=today
    )


def test_funnel_worked_example(company, history, pipeline, stages):
    result = _get(company.admin, pipeline)
    by = {row.stage.pk: row for row in result.stages}
    open1, open2, open3, open4 = (by[stages[f"open{n}"].pk] for n in range(1, 5))
    won, lost = by[stages["won"].pk], by[stages["lost"].pk]
    assert [r.entered for r in (open1, open2, open3, open4, won, lost)] == [4, 2, 2, 0, 1, 1]
    assert open1.entered_amount == Decimal("10000.00")
    assert open3.entered_amount == Decimal("4000.00")  # O1 1,000 + O3 3,000
    # O3 skipped open2 but reached open3, so it passed open2 as well
    assert [r.reached for r in (open1, open2, open3, open4, won)] == [4, 3, 2, 1, 1]
    assert [r.conversion for r in (open1, open2, open3, open4)] == [
        Decimal("75.0"),
        Decimal("66.7"),
        Decimal("50.0"),
        Decimal("100.0"),
    ]
    assert [r.dropped for r in (open1, open2, open3)] == [1, 1, 1]
    assert result.weakest is open3
    # open1: O1 2 days, O2 4, O3 3 -> 3.0; open2: O1 3, O2 6 -> 4.5; open3: O1 4
    assert (open1.average_days, open2.average_days, open3.average_days) == (
        Decimal("3.0"),
        Decimal("4.5"),
        Decimal("4.0"),
    )
    assert open4.average_days is None
    sources = {w.key: (w.won, w.lost, w.rate) for w in result.by_source}
    assert sources == {"website": (1, 0, Decimal("100.0")), "referral": (0, 1, Decimal("0.0"))}
    assert [(w.label, w.rate, w.won_amount) for w in result.by_rep] == [
        (str(company.rep_east), Decimal("50.0"), Decimal("1000.00"))
    ]


def test_funnel_respects_scope_and_range(company, history, pipeline, stages):
    south = _get(company.rep_south, pipeline)
    assert [r.entered for r in south.stages[:3]] == [2, 0, 1]
    assert south.by_rep == []
    recent = _get(company.admin, pipeline, days=3)
    assert recent.stages[0].entered == 0 and recent.stages[4].entered == 1


def test_date_range_reversed_is_refused():
    today = timezone.localdate()
    with pytest.raises(DomainError) as info:
        funnel.date_range(today, today - timedelta(days=1))
    assert info.value.code.code == "funnel.date_range_invalid"
    assert funnel.date_range(None, today) == (today - timedelta(days=89), today)
