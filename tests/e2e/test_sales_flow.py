"""The pipeline through the real browser: drag a deal across the board, lose one with a
reason, then turn a lead into a customer, contact and opportunity.

Data is made beforehand with the services; after that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cashloop.customers import services as customer_services
from cashloop.sales import services
from cashloop.sales.models import Lead, Opportunity
from cashloop.sales.tests.conftest import install_pipeline
from tests.e2e.test_customer_flow import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"


def column(page: Page, stage_id: int):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(f"column-{stage_id}")


def test_rep_drags_deals_across_the_board_and_converts_a_lead(
    page, shoot, live_server, company, customers
):
    base = live_server.url
    pipeline = install_pipeline()
    first, second, *_, lost = list(pipeline.stages.order_by("position"))
    close = timezone.localdate() + timedelta(days=20)
    rep = company.rep_east
    # Made by the service, so the duplicate finder has indexed its name.
    tea = customer_services.customer_create(
        actor=rep, code="QS-TEA", name="杭州青山茶业有限公司", currency="CNY"
    )
    deal = services.opportunity_create(
        actor=rep,
        customer_id=customers["rep_east"].pk,
        name="青山茶业 ERP",
        amount=Decimal("120000.00"),
        expected_close_date=close,
        products=["ERP"],
    )
    doomed = services.opportunity_create(
        actor=rep,
        customer_id=customers["rep_east"].pk,
        name="仓储扩容 Warehouse",
        amount=Decimal("80000.00"),
        expected_close_date=close,
    )
    services.opportunity_create(
        actor=company.rep_south,
        customer_id=customers["rep_south"].pk,
        name="Hidden southern deal",
        amount=Decimal("1.00"),
        expected_close_date=close,
    )

    page.goto(f"{base}/login/")
    sign_in(page, rep.username, PASSWORD)
    page.locator("nav.sidebar a[href='/sales/']").click()
    expect(page).to_have_url(f"{base}/sales/")
    board = page.get_by_test_id("board")
    expect(board).not_to_contain_text("Hidden southern deal")
    expect(column(page, first.pk).get_by_test_id("count")).to_have_text("2")
    shoot("board", both=True)

    # Drag the ERP deal from the first column to the second: HTMX swaps the board in place.
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: f"/sales/board/{deal.pk}/move/" in r.url):
        page.get_by_test_id(f"card-{deal.pk}").drag_to(column(page, second.pk))
    expect(column(page, second.pk).get_by_test_id(f"card-{deal.pk}")).to_be_visible()
    expect(column(page, first.pk).get_by_test_id("count")).to_have_text("1")
    expect(column(page, second.pk).get_by_test_id("count")).to_have_text("1")
    assert page.evaluate("window.__sameDocument") is True, "the move reloaded the page"
    shoot("board-moved")
    deal.refresh_from_db()
    assert deal.stage == second and deal.probability == second.probability

    # Dropping on the lost column asks why before anything moves.
    page.get_by_test_id(f"card-{doomed.pk}").drag_to(column(page, lost.pk))
    dialog = page.get_by_test_id("lost-dialog")
    expect(dialog).to_be_visible()
    shoot("lost-reason")
    dialog.get_by_test_id("lost-reason").fill("价格太高 Price too high")
    with page.expect_response(lambda r: f"/sales/board/{doomed.pk}/move/" in r.url):
        dialog.locator("button[data-action=ok]").click()
    expect(column(page, lost.pk).get_by_test_id(f"card-{doomed.pk}")).to_be_visible()
    doomed.refresh_from_db()
    assert doomed.status == "lost" and doomed.lost_reason == "价格太高 Price too high"

    # The deal's page shows where it has been.
    page.get_by_test_id(f"card-{deal.pk}").get_by_role("link").click()
    expect(page.get_by_test_id("stage-history").locator("tbody tr")).to_have_count(2)
    shoot("opportunity-detail", both=True)

    # A new lead, then its conversion (a similar customer is offered as a duplicate).
    page.goto(f"{base}/sales/leads/new/")
    shoot("lead-form", both=True)  # before filling: the language switch reloads
    form = page.get_by_test_id("lead-form")
    form.locator("[name=company_name]").fill("杭州青山茶业")
    form.locator("[name=contact_name]").fill("周明")
    form.locator("[name=phone]").fill("13912345678")
    form.locator("[name=source]").select_option("referral")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("lead-status")).to_be_visible()
    lead = Lead.objects.get()
    expect(page).to_have_url(f"{base}/sales/leads/{lead.pk}/")
    page.get_by_test_id("convert").click()
    expect(page.get_by_test_id("duplicates")).to_contain_text(tea.name)
    shoot("lead-convert", both=True)
    convert = page.get_by_test_id("convert-form")
    convert.get_by_label(f"{tea.code} {tea.name}").check()  # link it, do not duplicate it
    convert.locator("[name=amount]").fill("56000")
    convert.locator("[name=expected_close_date]").fill(close.isoformat())
    convert.locator("button[type=submit]").click()
    expect(page.get_by_test_id("opportunity-name")).to_be_visible()
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_customer == tea
    assert lead.converted_contact.name == "周明"
    new_deal = Opportunity.objects.get(pk=lead.converted_opportunity_id)
    assert new_deal.amount == Decimal("56000.00") and new_deal.source == "referral"
    shoot("converted")

    page.goto(f"{base}/sales/opportunities/")
    expect(page.get_by_test_id("opportunity-table").locator("tbody tr")).to_have_count(3)
    shoot("opportunity-list", both=True)


def test_admin_edits_stages_and_assignment_rules(page, shoot, live_server, company):
    base = live_server.url
    pipeline = install_pipeline()
    second = pipeline.stages.order_by("position")[1]
    services.lead_create(
        actor=company.rep_east, source="event", company_name="苏州同创电子", region="华东"
    )
    page.goto(f"{base}/login/")
    sign_in(page, company.admin.username, PASSWORD)

    page.goto(f"{base}/sales/settings/pipelines/")
    expect(page.get_by_test_id("pipelines")).to_contain_text(pipeline.name)
    shoot("pipelines", both=True)
    page.get_by_test_id("pipelines").get_by_role("link", name=pipeline.name).click()
    row = page.get_by_test_id("stage-2")
    row.locator(f"[name=s{second.pk}-name]").fill("需求调研")
    row.locator(f"[name=s{second.pk}-probability]").fill("30")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_be_visible()
    page.get_by_test_id("stage-2").locator("button[value=up]").click()
    expect(page.get_by_test_id("stage-1").locator(f"[name=s{second.pk}-name]")).to_have_value(
        "需求调研"
    )
    add = page.get_by_test_id("add-stage")
    add.locator("[name=new-name]").fill("技术验证 POC")
    add.locator("[name=new-probability]").fill("60")
    add.locator("button[type=submit]").click()
    expect(page.get_by_test_id("stages").locator("input[value='技术验证 POC']")).to_have_count(1)
    shoot("pipeline-edit", both=True)
    second.refresh_from_db()
    assert second.probability == 30 and second.position == 1

    page.goto(f"{base}/sales/settings/assignment/")
    form = page.get_by_test_id("rule-form")
    form.locator("[name=name]").fill("华东展会线索")
    form.locator("[name=position]").fill("10")
    form.locator("[name=source]").select_option("event")
    form.locator("[name=region]").fill("华东")
    form.locator("[name=team]").select_option(str(company.east.pk))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("rules")).to_contain_text("华东展会线索")
    shoot("rules", both=True)

    page.goto(f"{base}/sales/leads/")
    expect(page.get_by_test_id("lead-table")).to_contain_text("苏州同创电子")
    shoot("leads", both=True)
    page.get_by_test_id("lead-table").get_by_role("link", name="苏州同创电子").click()
    shoot("lead-detail", both=True)
