"""Contract pages: the draft form with its plan editor, activation, milestones, scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from cashloop.contracts.choices import ContractStatus, MilestoneStatus, PlanItemStatus
from cashloop.contracts.models import Contract, ContractTemplate
from cashloop.contracts.services import contract_activate
from cashloop.contracts.tests.test_api import state

D = Decimal


def formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "500",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


LINES = [
    {
        "description": "实施服务",
        "quantity": "10",
        "unit_price": "1000.00",
        "tax_rate": "0.13",
        "discount_percent": "0",
        "recognition": "at_invoicing",
    },
    {
        "description": "培训",
        "quantity": "2",
        "unit_price": "500.00",
        "tax_rate": "0.06",
        "discount_percent": "0",
        "recognition": "at_invoicing",
    },
]
MILESTONES = [{"name": "上线验收", "kind": "acceptance", "planned_date": "2026-06-30"}]
PLAN = [
    {"label": "预付款", "percent": "30", "due_rule": "on_signing", "due_days": "10"},
    {
        "label": "验收款",
        "percent": "60",
        "due_rule": "on_milestone",
        "due_days": "15",
        "milestone": "1",
    },
    {"label": "尾款", "percent": "5", "due_rule": "end_of_month", "due_days": "5"},
]


def draft_data(customer, plan=PLAN, **header):
    return {
        "customer": str(customer.pk),
        "title": "ERP 实施",
        "signing_date": "2026-03-10",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "currency": "",
        "rate": "",
        "template": "",
        **header,
        **formset("milestones", MILESTONES),
        **formset("lines", LINES),
        **formset("plan", plan),
    }


def test_the_plan_editor_shows_the_remainder_and_nothing_is_saved(client, company, customers):
    client.force_login(company.rep_east)
    customer = customers["rep_east"]
    # when: the plan covers 95%
    with translation.override("en"):
        response = client.post(
            "/contracts/preview/", draft_data(customer), HTTP_ACCEPT_LANGUAGE="en"
        )
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="remainder"' in html and "Left to allocate" in html
    assert "618.00" in html  # 5% of 12,360.00
    assert not Contract.objects.exists()
    full = [*PLAN[:2], {**PLAN[2], "percent": "10"}]
    with translation.override("en"):
        covered = client.post(
            "/contracts/preview/", draft_data(customer, plan=full), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert "The plan covers the total exactly." in covered.content.decode()
    missing = [*PLAN[:1], {**PLAN[1], "milestone": ""}, {**PLAN[2], "percent": "10"}]
    response = client.post("/contracts/preview/", draft_data(customer, plan=missing))
    assert 'data-testid="missing-milestones"' in response.content.decode()


def test_draft_activate_and_accept_through_the_pages(client, company, customers):
    customer = customers["rep_east"]
    client.force_login(company.rep_east)
    assert client.get("/contracts/new/").status_code == 200
    full = [*PLAN[:2], {**PLAN[2], "percent": "10"}]
    # when: the rep saves the draft
    response = client.post("/contracts/new/", draft_data(customer, plan=full))
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get()
    assert contract.total == D("12360.00") and contract.plan.count() == 3
    detail = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="edit-contract"' in detail
    assert 'data-testid="activate-contract"' not in detail  # reps do not activate
    # the manager activates
    client.force_login(company.manager_east)
    client.post(f"/contracts/{contract.pk}/activate/")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    # the rep accepts the milestone from its row
    client.force_login(company.rep_east)
    milestone = contract.milestones.get()
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="accept-milestone-1"' in page
    client.post(f"/contracts/milestones/{milestone.pk}/accept/", {"actual_date": "2026-07-02"})
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.ACCEPTED
    item = contract.plan.get(sequence=2)
    assert (item.status, item.due_date) == (PlanItemStatus.SCHEDULED, date(2026, 7, 17))


def test_a_refused_activation_shows_why_and_changes_nothing(client, company, customers):
    client.force_login(company.rep_east)
    client.post("/contracts/new/", draft_data(customers["rep_east"]))
    contract = Contract.objects.get()
    client.force_login(company.manager_east)
    before = state()
    with translation.override("en"):
        response = client.post(f"/contracts/{contract.pk}/activate/", follow=True)
    assert "contract.plan_sum" in response.content.decode()
    assert state() == before


def test_the_edit_form_posted_back_as_shown_keeps_the_draft(client, company, draft):
    client.force_login(company.rep_east)
    page = client.get(f"/contracts/{draft.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        "title": draft.title,
        "signing_date": "2026-03-10",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "currency": "CNY",
        "rate": "",
        "template": "",
    }
    for key in ("milestones", "lines", "plan"):
        rows = [
            {k: ("" if v is None else v) for k, v in f.initial.items()}
            for f in page.context[key].forms
        ]
        data.update(formset(key, rows, initial=len(rows)))
    assert form is not None
    before = list(draft.plan.values_list("amount", "due_rule", "due_days", "milestone__name"))
    response = client.post(f"/contracts/{draft.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.total == D("12360.00")
    assert (
        list(draft.plan.values_list("amount", "due_rule", "due_days", "milestone__name")) == before
    )


def test_someone_elses_contract_is_not_found_and_an_active_one_not_edited(client, company, draft):
    client.force_login(company.rep_south)
    assert client.get(f"/contracts/{draft.pk}/").status_code == 404
    assert client.post(f"/contracts/{draft.pk}/activate/").status_code in (403, 404)
    client.force_login(company.viewer)
    assert client.get("/contracts/").status_code == 200
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    client.force_login(company.rep_east)
    response = client.get(f"/contracts/{draft.pk}/edit/")
    assert response.status_code == 302


def test_the_list_filters_and_the_customer_360_shows_contracts(client, company, draft, customers):
    client.force_login(company.rep_east)
    listed = client.get("/contracts/", {"status": "draft"}).content.decode()
    assert f'data-testid="contract-row-{draft.pk}"' in listed
    none = client.get("/contracts/", {"status": "active"}).content.decode()
    assert f'data-testid="contract-row-{draft.pk}"' not in none
    page = client.get(f"/customers/{customers['rep_east'].pk}/").content.decode()
    assert 'data-testid="customer-contracts"' in page and "ERP 实施" in page


def test_terminate_renew_and_amend_from_the_page(client, company, draft):
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    client.force_login(company.manager_east)
    page = client.get(f"/contracts/{draft.pk}/amend/")
    assert page.status_code == 200
    client.post(f"/contracts/{draft.pk}/renew/")
    renewal = Contract.objects.get(previous=draft)
    assert renewal.status == ContractStatus.DRAFT
    client.post(f"/contracts/{draft.pk}/terminate/", {"reason": "客户要求"})
    draft.refresh_from_db()
    assert draft.status == ContractStatus.TERMINATED


def test_templates_are_kept_by_the_admin(client, company):
    client.force_login(company.admin)
    response = client.post(
        "/contracts/templates/new/",
        {"name": "标准", "language": "zh-hans", "body": "甲方 {{ customer.name }}", "active": "on"},
    )
    assert response.status_code == 302
    assert ContractTemplate.objects.get().name == "标准"
    bad = client.post(
        "/contracts/templates/new/", {"name": "坏", "language": "en", "body": "{% if %}"}
    )
    assert "contract.template_invalid" in bad.content.decode()
    client.force_login(company.rep_east)
    assert client.get("/contracts/templates/").status_code == 403


@pytest.mark.parametrize("path", ["/contracts/", "/contracts/new/"])
def test_pages_answer_in_both_languages(client, company, path):
    client.force_login(company.manager_east)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert client.get(path).status_code == 200
