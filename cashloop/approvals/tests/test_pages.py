"""Approval pages: the flow editor builds real flows from rows, the inbox and the request
page act, refusals show on the page and change nothing, and only the admin edits flows."""

from __future__ import annotations

from django.utils import translation

from cashloop.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    Delegation,
    ExpenseClaim,
    WorkPlan,
)
from cashloop.approvals.tests.conftest import claim, flow, step
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.models import HeldPosting
from cashloop.receivables.tests.test_services import DAY, issued, line
from tests.factories import CustomerFactory


def editor_post(document_type, conditions, steps, **fields):
    data = {
        "name": fields.get("name", "大额坏账"),
        "priority": fields.get("priority", 10),
        "is_active": "on",
        "match": fields.get("match", "all"),
        "cond-TOTAL_FORMS": len(conditions),
        "cond-INITIAL_FORMS": 0,
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": 0,
    }
    for n, row in enumerate(conditions):
        data.update({f"cond-{n}-{k}": v for k, v in row.items()})
    for n, row in enumerate(steps):
        data.update({f"steps-{n}-{k}": v for k, v in row.items()})
    return data


def test_the_editor_builds_a_two_step_conditional_flow(client, managed, finance2, controller):
    client.force_login(managed.admin)
    assert client.get("/approvals/flows/new/").status_code == 200  # pick a type first
    page = client.get("/approvals/flows/new/?type=receivables.writeoff")
    assert page.status_code == 200
    data = editor_post(
        "receivables.writeoff",
        [
            {"field": "amount", "op": "gt", "value": "10000"},
            {"field": "customer.tags", "op": "contains", "value": "key account", "group": "A"},
            {"field": "base_amount", "op": "gte", "value": "50000", "group": "A"},
        ],
        [
            {"step": 1, "kind": "role", "role": "finance", "rule": "any", "deadline_hours": 24},
            {"step": 2, "kind": "user", "user": controller.pk, "rule": "any"},
        ],
    )
    response = client.post("/approvals/flows/new/?type=receivables.writeoff", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = ApprovalFlow.objects.get()
    version = saved.current_version
    assert version.conditions == {
        "all": [
            {"field": "amount", "op": "gt", "value": "10000"},
            {
                "any": [
                    {"field": "customer.tags", "op": "contains", "value": "key account"},
                    {"field": "base_amount", "op": "gte", "value": "50000"},
                ]
            },
        ]
    }
    assert [s["approvers"] for s in version.steps] == [
        [{"kind": "role", "value": "finance"}],
        [{"kind": "user", "value": controller.pk}],
    ]
    # the saved flow shows its rows again, and saving makes version 2
    page = client.get(f"/approvals/flows/{saved.pk}/")
    assert 'value="key account"' in page.content.decode()
    data["name"] = "大额坏账 v2"
    assert client.post(f"/approvals/flows/{saved.pk}/", data).status_code == 302
    assert list(saved.versions.values_list("number", flat=True)) == [2, 1]


def test_a_bad_row_shows_on_the_page_and_saves_nothing(client, managed):
    client.force_login(managed.admin)
    data = editor_post(
        "receivables.writeoff",
        [{"field": "customer.tags", "op": "gt", "value": "x"}],
        [{"step": 1, "kind": "manager", "rule": "any"}],
    )
    with translation.override("en"):
        response = client.post(
            "/approvals/flows/new/?type=receivables.writeoff", data, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert "approvals.bad_operator" in response.content.decode()
    assert not ApprovalFlow.objects.exists()


def test_only_the_admin_sees_the_flow_pages(client, managed):
    client.force_login(managed.finance)
    assert client.get("/approvals/flows/").status_code == 403
    assert client.get("/approvals/flows/new/").status_code == 403
    assert "manage-approval-flows" not in client.get("/settings/").content.decode()
    client.force_login(managed.admin)
    assert "manage-approval-flows" in client.get("/settings/").content.decode()


def test_inbox_badge_and_approving_from_the_request_page(
    client, managed, django_assert_max_num_queries
):
    flow(managed.admin, steps=[step({"kind": "manager"})])
    for _ in range(3):
        c = claim(managed.rep_east)
        client.force_login(managed.rep_east)
        assert client.post(f"/approvals/expenses/{c.pk}/submit/").status_code == 302
    client.force_login(managed.manager_east)
    with django_assert_max_num_queries(20):
        inbox = client.get("/approvals/")
    body = inbox.content.decode()
    assert 'data-testid="waiting-count">3<' in body
    badge = client.get("/approvals/waiting-badge/").content.decode()
    assert badge.strip() == '<span class="badge" data-testid="approvals-waiting">3</span>'
    request = ApprovalRequest.objects.order_by("pk").first()
    page = client.get(f"/approvals/requests/{request.pk}/")
    assert 'data-testid="approve"' in page.content.decode()
    assert "<dd>¥2,000.00</dd>" in page.content.decode()  # the claim's amount, as money
    # reject without a reason: refused on the page, nothing changes
    response = client.post(
        f"/approvals/requests/{request.pk}/", {"action": "reject", "comment": ""}
    )
    assert response.status_code == 200
    assert "approvals.reason_required" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
    response = client.post(
        f"/approvals/requests/{request.pk}/", {"action": "approve", "comment": "可以"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    assert ExpenseClaim.objects.filter(status="approved").count() == 1
    # someone else sees nothing
    client.force_login(managed.rep_south)
    assert client.get(f"/approvals/requests/{request.pk}/").status_code == 404


def test_expense_claim_and_work_plan_pages(client, managed):
    client.force_login(managed.rep_east)
    response = client.post(
        "/approvals/expenses/new/",
        {"date": "2026-11-20", "category": "travel", "amount": "88.50", "currency": "CNY"},
    )
    assert response.status_code == 302
    c = ExpenseClaim.objects.get()
    assert client.get("/approvals/expenses/").status_code == 200
    assert client.post(f"/approvals/expenses/{c.pk}/submit/").status_code == 302
    c.refresh_from_db()
    assert c.status == "approved"  # no flow: approved at once
    response = client.post(
        "/approvals/plans/new/",
        {"period_start": "2026-12-01", "period_end": "2026-11-01", "title": "12月", "content": "x"},
    )
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not WorkPlan.objects.exists()
    assert client.get("/approvals/plans/").status_code == 200


def test_a_delegation_cycle_is_refused_on_the_page(client, managed, controller):
    client.force_login(managed.manager_east)
    body = {"delegate": controller.pk, "start": "2026-12-01", "end": "2026-12-07"}
    assert client.post("/approvals/delegation/", body).status_code == 302
    client.force_login(controller)
    body = {"delegate": managed.manager_east.pk, "start": "2026-12-01", "end": "2026-12-02"}
    response = client.post("/approvals/delegation/", body)
    assert response.status_code == 200
    assert "approvals.delegation_cycle" in response.content.decode()
    assert Delegation.objects.count() == 1


def test_invoice_and_write_off_pages_show_what_waits(client, managed, finance2, controller):
    flow(
        managed.admin,
        "receivables.writeoff",
        steps=[step({"kind": "role", "value": "finance"})],
    )
    customer = CustomerFactory(owner=managed.rep_east)
    invoice = issued(managed, customer, lines=[line("20000.00")])
    installment = invoice.installments.get()
    client.force_login(managed.finance)
    response = client.post(
        f"/installments/{installment.pk}/write-off/",
        {
            "kind": WriteOffKind.BAD_DEBT,
            "amount": "22600.00",
            "date": DAY.isoformat(),
            "reason": "破产",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert HeldPosting.objects.get().status == "pending"
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="held-postings"' in page
    page = client.get(f"/installments/{installment.pk}/write-off/").content.decode()
    assert 'data-testid="pending-approval"' in page
    money = client.get(f"/receivables/customers/{customer.pk}/money/").content.decode()
    assert 'data-testid="held-postings"' in money
