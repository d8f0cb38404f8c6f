"""The demo's sales: histories as the services would have written them."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise

from django.utils import timezone

from cashloop.sales.choices import LeadStatus, OpportunityStatus, StageKind
from cashloop.sales.models import ForecastAdjustment, ForecastSnapshot, Lead, Opportunity
from cashloop.sales.seed import SIZES, SNAPSHOT_WEEKS, seed_sales


def test_demo_sales_have_consistent_stage_histories(company, customers, pipeline):
    # when
    made = seed_sales(rng=random.Random(1), size="demo")
    # then
    assert made == SIZES["demo"][0] == Opportunity.objects.count()
    today = timezone.localdate()
    statuses = set()
    for deal in Opportunity.objects.prefetch_related("stage_changes").select_related("stage"):
        history = list(deal.stage_changes.order_by("changed_at", "id"))
        assert history[0].from_stage_id is None
        assert history[-1].to_stage_id == deal.stage_id
        assert all(a.to_stage_id == b.from_stage_id for a, b in pairwise(history))
        assert deal.status == deal.stage.kind
        assert (deal.closed_at is not None) == (deal.stage.kind != StageKind.OPEN)
        assert bool(deal.lost_reason) == (deal.stage.kind == StageKind.LOST)
        assert deal.expected_close_date >= timezone.localdate(deal.created_at)
        assert timezone.localdate(deal.created_at) >= today - timedelta(days=366)
        assert deal.team_id == deal.owner.team_id
        statuses.add(deal.status)
    assert statuses == set(OpportunityStatus.values)
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED).select_related(
        "converted_opportunity"
    )
    assert converted.exists()
    assert all(lead.converted_opportunity.status == OpportunityStatus.WON for lead in converted)
    assert len({lead.status for lead in Lead.objects.all()}) >= 4


def test_demo_has_weekly_forecast_snapshots_and_an_adjustment(company, customers, pipeline):
    seed_sales(rng=random.Random(2), size="demo")
    weeks = set(ForecastSnapshot.objects.values_list("week", flat=True))
    assert len(weeks) == SNAPSHOT_WEEKS["demo"] + 1
    assert all(week.weekday() == 0 for week in weeks)
    assert ForecastAdjustment.objects.count() == 1
    past = ForecastSnapshot.objects.filter(as_of__lt=timezone.localdate())
    assert past.exclude(pipeline=0).exists() and past.exclude(closed_won=0).exists()
    open_deals = Opportunity.objects.filter(status=OpportunityStatus.OPEN)
    assert set(open_deals.values_list("forecast_category", flat=True)) <= {
        "pipeline",
        "best_case",
        "commit",
    }
