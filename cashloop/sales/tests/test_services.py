"""Services of sales: opportunities, moves, overrides, leads, assignment, conversion, pipelines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.customers.models import Contact, Customer
from cashloop.sales import services
from cashloop.sales.choices import LeadStatus, OpportunityStatus, StageKind
from cashloop.sales.models import AssignmentRule, Lead, Opportunity, Pipeline, StageChange
from tests.factories import UserFactory


def _code(exc_info: pytest.ExceptionInfo[DomainError]) -> str:
    return exc_info.value.code.code


def test_create_starts_in_first_open_stage_and_records_history(make_opportunity, stages):
    # when
    opp = make_opportunity()
    # then
    assert opp.stage == stages["open1"]
    assert opp.probability == 10
    assert opp.status == OpportunityStatus.OPEN
    assert opp.base_amount == Decimal("100000.00")
    assert opp.team == opp.owner.team
    change = StageChange.objects.get(opportunity=opp)
    assert change.from_stage is None and change.to_stage == stages["open1"]
    assert change.amount == Decimal("100000.00") and change.owner == opp.owner
    assert AuditEntry.objects.filter(object_id=str(opp.pk), action="create").exists()


def test_foreign_currency_keeps_rate_and_base_amount(make_opportunity):
    opp = make_opportunity(currency="USD", amount="1000.50", rate=Decimal("7.1234"))
    assert opp.currency == "USD" and opp.rate == Decimal("7.1234")
    assert opp.base_amount == Decimal("7126.96")  # 7126.96257 rounded half up


def test_foreign_currency_without_rate_is_refused(make_opportunity):
    with pytest.raises(DomainError) as exc:
        make_opportunity(currency="USD")
    assert _code(exc) == "opportunity.rate_required"
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("amount", ["-1.00", "0", "12.345"])
def test_bad_amounts_are_refused(make_opportunity, amount):
    with pytest.raises(DomainError) as exc:
        make_opportunity(amount=amount)
    assert _code(exc) in {"opportunity.amount_not_positive", "money.too_many_decimals"}
    assert not Opportunity.objects.exists()
    assert not StageChange.objects.exists()


def test_close_date_before_creation_is_refused(make_opportunity):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        make_opportunity(expected_close_date=yesterday)
    assert _code(exc) == "opportunity.close_before_creation"
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.opportunity_update(
            actor=opp.owner, opportunity_id=opp.pk, changes={"expected_close_date": yesterday}
        )
    assert _code(exc) == "opportunity.close_before_creation"
    opp.refresh_from_db()
    assert opp.expected_close_date > yesterday


def test_move_records_history_and_takes_the_stage_probability(make_opportunity, stages):
    opp = make_opportunity()
    services.opportunity_probability_override(
        actor=opp.owner, opportunity_id=opp.pk, probability=30, reason="Budget approved"
    )
    moved = services.opportunity_move(
        actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["open3"].pk
    )
    assert moved.stage == stages["open3"]
    assert moved.probability == 50 and moved.probability_reason == ""
    history = list(StageChange.objects.filter(opportunity=opp).order_by("id"))
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, stages["open1"]),
        (stages["open1"], stages["open3"]),
    ]
    assert history[1].probability == 50 and history[1].changed_by == opp.owner


def test_move_to_a_stage_of_another_pipeline_is_refused(make_opportunity, company):
    opp = make_opportunity()
    other = services.pipeline_create(
        actor=company.admin,
        name="Renewals",
        stages=[services.StageSpec(name="Due", probability=60)],
    )
    foreign_stage = other.stages.get()
    with pytest.raises(DomainError) as exc:
        services.opportunity_move(actor=opp.owner, opportunity_id=opp.pk, stage_id=foreign_stage.pk)
    assert _code(exc) == "opportunity.stage_not_in_pipeline"
    opp.refresh_from_db()
    assert opp.stage.pipeline_id == opp.pipeline_id
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_lost_needs_a_reason_and_closes(make_opportunity, stages):
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.opportunity_move(
            actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["lost"].pk, lost_reason=" "
        )
    assert _code(exc) == "opportunity.lost_reason_required"
    opp.refresh_from_db()
    assert opp.status == OpportunityStatus.OPEN
    lost = services.opportunity_move(
        actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["lost"].pk, lost_reason="Price"
    )
    assert lost.status == OpportunityStatus.LOST and lost.closed_at is not None
    assert lost.lost_reason == "Price" and lost.probability == 0
    reopened = services.opportunity_move(
        actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["open2"].pk
    )
    assert reopened.status == OpportunityStatus.OPEN
    assert reopened.closed_at is None and reopened.lost_reason == ""


def test_won_closes(make_opportunity, stages):
    opp = make_opportunity()
    won = services.opportunity_move(
        actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["won"].pk
    )
    assert won.status == OpportunityStatus.WON and won.probability == 100
    assert won.closed_at is not None
    with pytest.raises(DomainError) as exc:
        services.opportunity_probability_override(
            actor=opp.owner, opportunity_id=opp.pk, probability=50, reason="Hedging"
        )
    assert _code(exc) == "opportunity.closed"


def test_moving_to_the_same_stage_changes_nothing(make_opportunity, stages):
    opp = make_opportunity()
    services.opportunity_move(actor=opp.owner, opportunity_id=opp.pk, stage_id=stages["open1"].pk)
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_override_needs_a_reason(make_opportunity):
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.opportunity_probability_override(
            actor=opp.owner, opportunity_id=opp.pk, probability=40, reason=""
        )
    assert _code(exc) == "opportunity.override_reason_required"
    with pytest.raises(DomainError) as exc:
        services.opportunity_probability_override(
            actor=opp.owner, opportunity_id=opp.pk, probability=101, reason="x"
        )
    assert _code(exc) == "opportunity.probability_range"
    done = services.opportunity_probability_override(
        actor=opp.owner, opportunity_id=opp.pk, probability=40, reason="CFO said yes"
    )
    assert done.probability == 40 and done.probability_reason == "CFO said yes"
    entry = AuditEntry.objects.filter(object_id=str(opp.pk), action="update").latest("id")
    assert entry.reason == "CFO said yes"


def test_rep_cannot_edit_another_reps_opportunity(make_opportunity, company, stages):
    opp = make_opportunity(owner=company.rep_south)
    for call in (
        lambda: services.opportunity_update(
            actor=company.rep_east, opportunity_id=opp.pk, changes={"name": "Mine now"}
        ),
        lambda: services.opportunity_move(
            actor=company.rep_east, opportunity_id=opp.pk, stage_id=stages["open2"].pk
        ),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert _code(exc) == "opportunity.not_found"
    opp.refresh_from_db()
    assert opp.name == "ERP rollout" and opp.stage == stages["open1"]


def test_manager_edits_team_opportunity_but_not_other_team(make_opportunity, company):
    east = make_opportunity(owner=company.rep_east_sub)
    south = make_opportunity(owner=company.rep_south)
    services.opportunity_update(
        actor=company.manager_east, opportunity_id=east.pk, changes={"amount": Decimal("5.00")}
    )
    east.refresh_from_db()
    assert east.amount == Decimal("5.00") and east.base_amount == Decimal("5.00")
    with pytest.raises(DomainError):
        services.opportunity_update(
            actor=company.manager_east, opportunity_id=south.pk, changes={"name": "x"}
        )


def test_rep_cannot_give_an_opportunity_away_or_use_anothers_customer(
    make_opportunity, company, customers
):
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.opportunity_update(
            actor=company.rep_east,
            opportunity_id=opp.pk,
            changes={"owner_id": company.rep_south.pk},
        )
    assert _code(exc) == "sales.owner_outside_scope"
    with pytest.raises(DomainError) as exc:
        make_opportunity(owner=company.rep_east, customer=customers["rep_south"])
    assert _code(exc) == "customer.not_found"


def test_owner_change_moves_the_team(make_opportunity, company):
    opp = make_opportunity(owner=company.rep_east)
    services.opportunity_update(
        actor=company.admin, opportunity_id=opp.pk, changes={"owner_id": company.rep_south.pk}
    )
    opp.refresh_from_db()
    assert opp.owner == company.rep_south and opp.team == company.south


def test_currency_change_needs_its_rate(make_opportunity):
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.opportunity_update(
            actor=opp.owner, opportunity_id=opp.pk, changes={"currency": "USD"}
        )
    assert _code(exc) == "opportunity.rate_required"
    services.opportunity_update(
        actor=opp.owner,
        opportunity_id=opp.pk,
        changes={"currency": "USD", "rate": Decimal("7"), "amount": Decimal("10.00")},
    )
    opp.refresh_from_db()
    assert opp.base_amount == Decimal("70.00")


def test_viewer_and_finance_cannot_create(company, customers, next_month, pipeline):
    for user in (company.viewer, company.finance):
        with pytest.raises(DomainError) as exc:
            services.opportunity_create(
                actor=user,
                customer_id=customers["rep_east"].pk,
                name="x",
                amount=Decimal(1),
                expected_close_date=next_month,
            )
        assert _code(exc) == "permission.denied"


def test_products_and_competitors_are_cleaned(make_opportunity):
    opp = make_opportunity(products=[" CRM ", "CRM", "", "ERP"], competitors=["Salesforce"])
    assert opp.products == ["CRM", "ERP"] and opp.competitors == ["Salesforce"]


# --- leads ------------------------------------------------------------------------------------


def test_lead_without_rule_goes_to_its_creator(company):
    lead = services.lead_create(actor=company.rep_east, source="website", company_name="星源")
    assert lead.owner == company.rep_east and lead.team == company.east


def test_lead_needs_a_name(company):
    with pytest.raises(DomainError) as exc:
        services.lead_create(actor=company.rep_east, source="website")
    assert _code(exc) == "lead.contact_required"
    assert not Lead.objects.exists()


def test_region_rule_gives_the_lead_to_its_person(company):
    services.assignment_rule_create(
        actor=company.admin, name="South region", region="华南", user_id=company.rep_south.pk
    )
    lead = services.lead_create(
        actor=company.admin, source="event", company_name="广州", region=" 华南 "
    )
    assert lead.owner == company.rep_south
    other = services.lead_create(actor=company.admin, source="event", company_name="上海")
    assert other.owner == company.admin


def test_round_robin_takes_turns_among_team_members_who_sell(company):
    team = company.east_sub
    second = UserFactory(username="rep_sub2", team=team, roles=["sales_rep"])
    UserFactory(username="fin_sub", team=team, roles=["finance"])  # cannot own leads
    UserFactory(username="gone", team=team, roles=["sales_rep"], is_active=False)
    services.assignment_rule_create(
        actor=company.admin, name="Web to Shanghai", source="website", team_id=team.pk
    )
    owners = [
        services.lead_create(actor=company.admin, source="website", company_name=f"L{n}").owner
        for n in range(4)
    ]
    assert owners == [company.rep_east_sub, second, company.rep_east_sub, second]
    rule = AssignmentRule.objects.get()
    assert rule.last_assigned == second


def test_rule_needs_exactly_one_target(company):
    with pytest.raises(DomainError) as exc:
        services.assignment_rule_create(
            actor=company.admin,
            name="both",
            user_id=company.rep_east.pk,
            team_id=company.east.pk,
        )
    assert _code(exc) == "assignment_rule.target"
    with pytest.raises(DomainError) as exc:
        services.assignment_rule_create(actor=company.manager_east, name="x", user_id=1)
    assert _code(exc) == "permission.denied"


def test_disqualify_needs_reason_and_update_reopens(company):
    lead = services.lead_create(actor=company.rep_east, source="website", company_name="A")
    with pytest.raises(DomainError) as exc:
        services.lead_disqualify(actor=company.rep_east, lead_id=lead.pk, reason="")
    assert _code(exc) == "lead.disqualify_reason_required"
    lead = services.lead_disqualify(actor=company.rep_east, lead_id=lead.pk, reason="No budget")
    assert lead.status == LeadStatus.DISQUALIFIED and lead.disqualified_reason == "No budget"
    with pytest.raises(DomainError) as exc:
        services.lead_update(
            actor=company.rep_east, lead_id=lead.pk, changes={"status": "converted"}
        )
    assert _code(exc) == "lead.status_invalid"
    lead = services.lead_update(
        actor=company.rep_east, lead_id=lead.pk, changes={"status": "contacted"}
    )
    assert lead.status == LeadStatus.CONTACTED and lead.disqualified_reason == ""


def test_rep_cannot_touch_anothers_lead(company):
    lead = services.lead_create(actor=company.rep_south, source="website", company_name="A")
    with pytest.raises(DomainError) as exc:
        services.lead_update(actor=company.rep_east, lead_id=lead.pk, changes={"notes": "x"})
    assert _code(exc) == "lead.not_found"


def test_convert_creates_customer_contact_and_opportunity(company, pipeline, next_month):
    lead = services.lead_create(
        actor=company.rep_east,
        source="referral",
        company_name="宁波博远包装",
        contact_name="王伟",
        phone="13800000000",
        email="ww@example.com",
    )
    lead = services.lead_convert(
        actor=company.rep_east,
        lead_id=lead.pk,
        customer_code="NB-001",
        opportunity=services.OpportunitySpec(
            amount=Decimal("88000.00"), expected_close_date=next_month
        ),
    )
    assert lead.status == LeadStatus.CONVERTED
    customer = lead.converted_customer
    assert customer.name == "宁波博远包装" and customer.owner == company.rep_east
    assert lead.converted_contact.email == "ww@example.com"
    opp = lead.converted_opportunity
    assert opp.customer == customer and opp.source == "referral"
    assert opp.amount == Decimal("88000.00") and opp.name == "宁波博远包装"
    with pytest.raises(DomainError) as exc:
        services.lead_convert(actor=company.rep_east, lead_id=lead.pk, customer_code="NB-002")
    assert _code(exc) == "lead.converted"


def test_convert_links_an_existing_customer_and_reuses_its_contact(company, customers):
    existing = customers["rep_east"]
    person = Contact.objects.create(customer=existing, name="李娜", email="ln@example.com")
    lead = services.lead_create(
        actor=company.rep_east,
        source="website",
        company_name=existing.name,
        contact_name="Li Na",
        email="LN@example.com",
    )
    lead = services.lead_convert(actor=company.rep_east, lead_id=lead.pk, customer_id=existing.pk)
    assert lead.converted_customer == existing and lead.converted_contact == person
    assert lead.converted_opportunity is None
    assert Customer.objects.count() == 3 and existing.contacts.count() == 1


def test_failed_convert_changes_nothing(company, customers, pipeline):
    taken = customers["rep_east"].code
    lead = services.lead_create(
        actor=company.rep_east, source="website", company_name="新公司", contact_name="张三"
    )
    with pytest.raises(DomainError) as exc:
        services.lead_convert(
            actor=company.rep_east,
            lead_id=lead.pk,
            customer_code="NEW-1",
            opportunity=services.OpportunitySpec(
                amount=Decimal("-5"), expected_close_date=timezone.localdate()
            ),
        )
    assert _code(exc) == "opportunity.amount_not_positive"
    assert not Customer.objects.filter(code="NEW-1").exists()
    assert not Contact.objects.filter(name="张三").exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    with pytest.raises(DomainError) as exc:
        services.lead_convert(actor=company.rep_east, lead_id=lead.pk, customer_code=taken)
    assert _code(exc) == "customer.code_taken"


def test_disqualified_lead_cannot_convert(company):
    lead = services.lead_create(actor=company.rep_east, source="website", company_name="A")
    services.lead_disqualify(actor=company.rep_east, lead_id=lead.pk, reason="Spam")
    with pytest.raises(DomainError) as exc:
        services.lead_convert(actor=company.rep_east, lead_id=lead.pk, customer_code="A1")
    assert _code(exc) == "lead.disqualified"


# --- pipelines and stages ---------------------------------------------------------------------


def test_default_pipeline_is_installed(pipeline):
    stages = list(pipeline.stages.order_by("position"))
    assert [s.probability for s in stages] == [10, 25, 50, 75, 100, 0]
    assert [s.kind for s in stages][-2:] == [StageKind.WON, StageKind.LOST]
    assert stages[0].name in {"线索确认", "Qualification"}


def test_admin_manages_stages(company, pipeline, make_opportunity, stages):
    added = services.stage_create(
        actor=company.admin, pipeline_id=pipeline.pk, name="Demo", probability=40
    )
    order = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert order.index("Demo") == 4  # after the last open stage, before won and lost
    services.stage_update(actor=company.admin, stage_id=added.pk, changes={"probability": 45})
    services.stage_delete(actor=company.admin, stage_id=added.pk)
    opp = make_opportunity()
    with pytest.raises(DomainError) as exc:
        services.stage_delete(actor=company.admin, stage_id=opp.stage_id)
    assert _code(exc) == "stage.in_use"
    with pytest.raises(DomainError) as exc:
        services.stage_update(
            actor=company.admin, stage_id=opp.stage_id, changes={"kind": StageKind.WON}
        )
    assert _code(exc) == "stage.in_use"
    with pytest.raises(DomainError) as exc:
        services.stage_create(
            actor=company.manager_east, pipeline_id=pipeline.pk, name="x", probability=1
        )
    assert _code(exc) == "permission.denied"


def test_reorder_needs_every_stage_once(company, pipeline):
    ids = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
    with pytest.raises(DomainError) as exc:
        services.stage_reorder(actor=company.admin, pipeline_id=pipeline.pk, stage_ids=ids[:-1])
    assert _code(exc) == "stage.order_mismatch"
    new = [ids[1], ids[0], *ids[2:]]
    services.stage_reorder(actor=company.admin, pipeline_id=pipeline.pk, stage_ids=new)
    assert list(pipeline.stages.order_by("position").values_list("pk", flat=True)) == new


def test_one_default_pipeline(company, pipeline):
    other = services.pipeline_create(actor=company.admin, name="Projects", is_default=True)
    pipeline.refresh_from_db()
    assert other.is_default and not pipeline.is_default
    with pytest.raises(DomainError) as exc:
        services.pipeline_update(
            actor=company.admin, pipeline_id=other.pk, changes={"active": False}
        )
    assert _code(exc) == "pipeline.default_required"
    with pytest.raises(DomainError) as exc:
        services.pipeline_create(actor=company.admin, name="projects")
    assert _code(exc) == "pipeline.name_taken"
    assert Pipeline.objects.filter(is_default=True).count() == 1


def test_inactive_pipeline_takes_no_new_opportunities(company, make_opportunity):
    other = services.pipeline_create(
        actor=company.admin, name="Old", stages=[services.StageSpec(name="A", probability=5)]
    )
    services.pipeline_update(actor=company.admin, pipeline_id=other.pk, changes={"active": False})
    with pytest.raises(DomainError) as exc:
        make_opportunity(pipeline_id=other.pk)
    assert _code(exc) == "pipeline.inactive"
