"""Demo sales: a year of opportunities walking the default pipeline, and leads.

Each opportunity starts on a day of the last year and walks the open stages one after
another, a few days to a few weeks in each, until it is won, lost, or still open today;
every step is a `StageChange` row dated when it happened, with the amount, probability,
owner and team of that moment, exactly what the services write.  Rows are made in bulk
(seeding is set-up, not business activity), so `large` (300,000 opportunities) loads in
minutes.  Leads come in every status; converted ones point at their customer and deal.

The forecast then gets its history the way production gets it: `forecast_snapshot_take`
runs for every Monday of the last half year (rebuilding from the stage history what was
open each time) and for today, and a manager adjusts one rep's commit of this quarter.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone

from cashloop.core.bulkload import IdBlock, Writer, reset_id_sequences
from cashloop.core.money import base_currency, quantize
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.sales import forecast, services
from cashloop.sales.choices import LeadSource, LeadStatus, OpportunityStatus, StageKind
from cashloop.sales.models import AssignmentRule, Lead, Opportunity, Pipeline, Stage, StageChange

SIZES = {"demo": (90, 40), "large": (300_000, 30_000)}  # (opportunities, leads)
# Weekly forecast snapshots to take back in time; the large set is for benchmarks only.
SNAPSHOT_WEEKS = {"demo": 26, "large": 0}
BATCH = 5_000
DEALS = [
    "ERP 实施",
    "MES 系统",
    "云平台订阅",
    "年度运维",
    "硬件扩容",
    "数据中台",
    "CRM rollout",
    "Warehouse automation",
    "安全审计",
    "培训服务",
]
PRODUCTS = ["云平台订阅", "实施服务", "硬件设备", "运维支持", "Analytics add-on"]
COMPETITORS = ["用友", "金蝶", "SAP", "Oracle", "Salesforce", "本地集成商"]
LOST_REASONS = ["价格太高 Price too high", "选了竞争对手 Chose a competitor", "项目取消 No budget"]
REGIONS = ["华东", "华南", "华北", "西南", "海外"]
USD_RATES = [Decimal("7.08"), Decimal("7.12"), Decimal("7.16"), Decimal("7.21")]
LEAD_COMPANIES = ["星河", "启航", "卓越", "睿智", "云帆", "汇通", "长青", "恒信"]
LEAD_TRADES = ["科技", "制造", "物流", "医疗", "贸易"]
PEOPLE = ["王磊", "李静", "张伟", "刘芳", "陈杰", "Alice Wong", "David Chen"]


def _moment(day: date, rng: random.Random) -> datetime:
    clock = time(rng.randint(9, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, clock))


def _walk(
    rng: random.Random, stages: list[Stage], start: date, today: date
) -> list[tuple[Stage, date]]:
    """The stages one deal went through and the day it entered each: open ones in order,
    then maybe won or lost; it stops where today finds it."""
    opens = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    path, day = [(opens[0], start)], start
    for following in [*opens[1:], won]:
        day += timedelta(days=rng.randint(3, 35))
        if day > today:
            break
        roll = rng.random()
        if roll < 0.12:
            path.append((lost, day))
            break
        if roll < 0.3:
            break  # stalls here, still open
        path.append((following, day))
    return path


def _opportunities(
    rng: random.Random,
    count: int,
    stages: list[Stage],
    pipeline: Pipeline,
    customers: list[tuple[int, int, str]],
    teams: dict[int, int | None],
    today: date,
) -> Iterator[tuple[Opportunity, list[tuple[Stage, date]]]]:
    base = base_currency()
    for _n in range(count):
        customer_id, owner_id, currency = rng.choice(customers)
        start = today - timedelta(days=rng.randint(0, 365))
        path = _walk(rng, stages, start, today)
        stage, entered = path[-1]
        amount = Decimal(rng.randint(20, 2_000) * 500)
        rate = rng.choice(USD_RATES) if currency != base else Decimal(1)
        if currency != base:
            amount = quantize(amount / 7, currency)
        closed = stage.kind != StageKind.OPEN
        close = entered if closed else max(today, entered) + timedelta(days=rng.randint(7, 150))
        opportunity = Opportunity(
            customer_id=customer_id,
            name=rng.choice(DEALS),
            currency=currency,
            amount=amount,
            rate=rate,
            base_amount=quantize(amount * rate, base),
            expected_close_date=close,
            pipeline=pipeline,
            stage=stage,
            stage_changed_at=_moment(entered, rng),
            probability=stage.probability,
            status=OpportunityStatus(stage.kind),
            forecast_category=forecast.category_for(
                probability=stage.probability, kind=stage.kind, pipeline=pipeline
            ),
            owner_id=owner_id,
            team_id=teams.get(owner_id),
            source=rng.choice(LeadSource.values),
            products=rng.sample(PRODUCTS, rng.randint(1, 2)),
            competitors=rng.sample(COMPETITORS, rng.randint(0, 2)),
            lost_reason=rng.choice(LOST_REASONS) if stage.kind == StageKind.LOST else "",
            closed_at=_moment(entered, rng) if closed else None,
            created_at=_moment(start, rng),
        )
        yield opportunity, path


def _history(opportunity: Opportunity, path: list[tuple[Stage, date]]) -> list[StageChange]:
    rows, previous = [], None
    for n, (stage, day) in enumerate(path):
        at = opportunity.created_at if n == 0 else opportunity.stage_changed_at
        if 0 < n < len(path) - 1:
            at = timezone.make_aware(datetime.combine(day, time(10)))
        rows.append(
            StageChange(
                opportunity=opportunity,
                from_stage=previous,
                to_stage=stage,
                changed_at=at,
                changed_by_id=opportunity.owner_id,
                currency=opportunity.currency,
                amount=opportunity.amount,
                base_amount=opportunity.base_amount,
                probability=stage.probability,
                expected_close_date=opportunity.expected_close_date,
                owner_id=opportunity.owner_id,
                team_id=opportunity.team_id,
            )
        )
        previous = stage
    return rows


@contextmanager
def _dated(model: type[models.Model]) -> Iterator[None]:
    """Let `bulk_create` keep the `created_at` the demo gives (a deal begun last spring)
    instead of stamping "now": seeding writes history, which no service ever does."""
    created = model._meta.get_field("created_at")
    created.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        created.auto_now_add = True  # type: ignore[attr-defined]


def _save(batch: list[tuple[Opportunity, list[tuple[Stage, date]]]]) -> None:
    """Deals and their stage histories straight into the tables (COPY on PostgreSQL), the
    deals with explicit ids so that their history rows can point at them."""
    ids = IdBlock(Opportunity)
    for deal, _ in batch:
        deal.pk = ids.next()
    Writer(Opportunity, _columns(Opportunity, "updated_at")).write_instances(
        deal for deal, _ in batch
    )
    Writer(StageChange, _columns(StageChange, "id")).write_instances(
        row for deal, path in batch for row in _history(deal, path)
    )


def _columns(model: type[models.Model], *left_out: str) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in left_out]


def _leads(
    rng: random.Random, count: int, sellers: list[User], won: list[Opportunity], today: date
) -> list[Lead]:
    leads = []
    converted = iter(won)
    for n in range(count):
        owner = rng.choice(sellers)
        status = rng.choices(list(LeadStatus), weights=[4, 3, 2, 2, 2])[0]
        region = rng.choice(REGIONS)
        prefix = "" if region == "海外" else region
        lead = Lead(
            source=rng.choice(LeadSource.values),
            company_name=f"{prefix}{rng.choice(LEAD_COMPANIES)}"
            f"{rng.choice(LEAD_TRADES)}{'' if count <= 1000 else f' {n}'}",
            contact_name=rng.choice(PEOPLE),
            phone=f"13{rng.randint(100000000, 999999999)}",
            email=f"lead{n + 1}@example.com",
            region=region,
            status=status,
            owner=owner,
            team_id=owner.team_id,
            created_at=_moment(today - timedelta(days=rng.randint(0, 365)), rng),
        )
        if status == LeadStatus.DISQUALIFIED:
            lead.disqualified_reason = rng.choice(["无预算 No budget", "Student project", "Spam"])
        if status == LeadStatus.CONVERTED:
            deal = next(converted, None)
            if deal is None:
                lead.status = LeadStatus.QUALIFIED
            else:
                lead.converted_customer_id = deal.customer_id
                lead.converted_opportunity = deal
                lead.converted_at = lead.created_at = deal.created_at
                lead.owner_id, lead.team_id = deal.owner_id, deal.team_id
        leads.append(lead)
    return leads


def seed_sales(
    *, rng: random.Random, size: str, today: date | None = None, opportunities: int | None = None
) -> int:
    """Opportunities with their stage histories, leads, two assignment rules.  -> count.

    `opportunities` overrides the size's number of deals (quick runs of `large`)."""
    today = today or timezone.localdate()
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        return 0
    stages = list(pipeline.stages.order_by("position"))
    customers = list(
        Customer.objects.filter(owner__isnull=False).values_list("pk", "owner_id", "currency")
    )
    sellers = list(User.objects.filter(roles__code="sales_rep", is_active=True).order_by("pk"))
    if not customers or not sellers:
        return 0
    teams = dict(User.objects.values_list("pk", "team_id"))
    deals, leads = SIZES[size]
    if opportunities is not None:  # leads scale with the deals, as in `large`
        deals, leads = opportunities, opportunities // 10
    batch: list[tuple[Opportunity, list[tuple[Stage, date]]]] = []
    won: list[Opportunity] = []
    for opportunity, path in _opportunities(rng, deals, stages, pipeline, customers, teams, today):
        batch.append((opportunity, path))
        if len(batch) == BATCH:
            _save(batch)
            won.extend(
                d for d, _ in batch if d.status == OpportunityStatus.WON and len(won) < leads
            )
            batch = []
    _save(batch)
    reset_id_sequences(Opportunity)
    won.extend(d for d, _ in batch if d.status == OpportunityStatus.WON)
    with _dated(Lead):
        Lead.objects.bulk_create(_leads(rng, leads, sellers, won, today), batch_size=BATCH)
    team_id = sellers[0].team_id
    if team_id is not None:
        AssignmentRule.objects.create(
            name="官网线索轮流分配 Web leads", source="website", team_id=team_id, position=10
        )
    AssignmentRule.objects.create(
        name="海外 Overseas", region="海外", user=sellers[-1], position=20
    )
    _forecast_history(size, today)
    return deals


def _forecast_history(size: str, today: date) -> None:
    """Weekly snapshots of the last months, and one manager's adjusted commit."""
    monday = today - timedelta(days=today.weekday())
    for weeks in range(SNAPSHOT_WEEKS[size], 0, -1):
        services.forecast_snapshot_take(as_of=monday - timedelta(weeks=weeks))
    period = forecast.period_containing(today, quarter=True)
    for manager in User.objects.filter(roles__code="sales_manager", team__isnull=False):
        figures = forecast.figures_live(Opportunity.objects.restrict(manager, "view"), period)
        adjustable = forecast.adjustable_user_ids(user=manager, user_ids=list(figures))
        best = max(adjustable, key=lambda pk: figures[pk].commit, default=None)
        if best is not None and figures[best].commit > 0:
            services.forecast_adjust(
                actor=manager,
                period=period.key,
                user_id=best,
                amount=quantize(figures[best].commit * Decimal("0.8"), base_currency()),
                note="大单可能推迟到下季度 The big deal may slip a quarter",
            )
            break
    services.forecast_snapshot_take(as_of=today)
