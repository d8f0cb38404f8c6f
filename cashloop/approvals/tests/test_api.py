"""Approval API: flows and versions, the inbox, actions, delegations, documents, and every
bad input the issue names answering with its status and code while nothing changes."""

from __future__ import annotations

import pytest

from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.models import (
    ApprovalFlow,
    ApprovalFlowVersion,
    ApprovalRequest,
    Delegation,
    ExpenseClaim,
)
from cashloop.approvals.tests.conftest import flow, step
from cashloop.core.errors import CoreError
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, HeldPosting
from cashloop.receivables.tests.test_services import DAY, issued, line
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

LARGE = {"all": [{"field": "amount", "op": "gt", "value": "10000"}]}


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def put(client, path, payload):
    return client.put(path, payload, content_type="application/json")


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code.code


def flow_body(**over):
    body = {
        "document_type": "approvals.expenseclaim",
        "name": "大额报销 Large claims",
        "conditions": {"all": [{"field": "amount", "op": "gt", "value": "1000"}]},
        "steps": [{"approvers": [{"kind": "manager"}], "rule": "any", "deadline_hours": 24}],
    }
    return {**body, **over}


@pytest.fixture
def admin_client(client, managed):
    client.force_login(managed.admin)
    return client


def test_flows_are_created_versioned_and_listed(admin_client, controller):
    response = post(admin_client, "/api/v1/approvals/flows", flow_body())
    assert response.status_code == 201, response.content
    flow = response.json()
    assert flow["current_version"]["number"] == 1
    assert flow["current_version"]["conditions"]["all"][0]["value"] == "1000"
    steps = [{"approvers": [{"kind": "user", "value": controller.pk}], "rule": "all"}]
    body = {k: v for k, v in flow_body(steps=steps).items() if k != "document_type"}
    response = put(admin_client, f"/api/v1/approvals/flows/{flow['id']}", body)
    assert response.status_code == 200, response.content
    assert [v["number"] for v in response.json()["versions"]] == [2, 1]
    listed = admin_client.get("/api/v1/approvals/flows").json()
    assert [f["id"] for f in listed["items"]] == [flow["id"]]
    types = admin_client.get("/api/v1/approvals/document-types").json()
    keys = [t["key"] for t in types]
    assert {"approvals.expenseclaim", "receivables.writeoff", "receivables.creditnote"} <= set(keys)


def test_only_the_admin_manages_flows(client, managed):
    client.force_login(managed.manager_east)
    refused(post(client, "/api/v1/approvals/flows", flow_body()), 403, CoreError.PERMISSION_DENIED)
    refused(client.get("/api/v1/approvals/flows"), 403, CoreError.PERMISSION_DENIED)
    assert not ApprovalFlow.objects.exists()


@pytest.mark.parametrize(
    ("conditions", "steps_approvers", "code"),
    [
        (
            {"all": [{"field": "colour", "op": "eq", "value": "x"}]},
            None,
            ApprovalError.UNKNOWN_FIELD,
        ),
        (
            {"all": [{"field": "category", "op": "gt", "value": "x"}]},
            None,
            ApprovalError.BAD_OPERATOR,
        ),
        (
            {"all": [{"field": "amount", "op": "contains", "value": "1"}]},
            None,
            ApprovalError.BAD_OPERATOR,
        ),
        ({}, [{"kind": "role", "value": "collector"}], ApprovalError.NO_APPROVER),
        ({}, [{"kind": "user", "value": "inactive"}], ApprovalError.NO_APPROVER),
        ({}, [{"kind": "boss"}], ApprovalError.BAD_STEP),
    ],
)
def test_bad_flows_are_refused_and_nothing_is_saved(
    admin_client, managed, conditions, steps_approvers, code
):
    inactive = UserFactory(username="left", is_active=False)
    UserFactory(username="gone", roles=["collector"], is_active=False)
    if steps_approvers and steps_approvers[0].get("value") == "inactive":
        steps_approvers = [{"kind": "user", "value": inactive.pk}]
    steps = [{"approvers": steps_approvers or [{"kind": "manager"}]}]
    response = post(
        admin_client, "/api/v1/approvals/flows", flow_body(conditions=conditions, steps=steps)
    )
    refused(response, 422, code)
    assert not ApprovalFlow.objects.exists() and not ApprovalFlowVersion.objects.exists()


def test_an_unknown_document_type_is_refused(admin_client):
    response = post(admin_client, "/api/v1/approvals/flows", flow_body(document_type="x.y"))
    refused(response, 422, ApprovalError.UNKNOWN_DOCUMENT_TYPE)


def _claim_submitted(client, user, amount="2000.00"):
    client.force_login(user)
    response = post(
        client,
        "/api/v1/approvals/expense-claims",
        {"date": "2026-11-20", "category": "travel", "amount": amount, "description": "出差"},
    )
    assert response.status_code == 201, response.content
    claim = response.json()
    response = post(client, f"/api/v1/approvals/expense-claims/{claim['id']}/submit")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_claim_goes_through_the_inbox_by_api(client, managed):
    post_flow(managed)
    claim = _claim_submitted(client, managed.rep_east)
    assert claim["status"] == "pending"
    mine = client.get("/api/v1/approvals/requests?box=mine").json()["items"]
    assert [r["status"] for r in mine] == ["pending"]
    request_id = mine[0]["id"]
    # the submitter cannot withdraw what is not theirs, the manager cannot withdraw at all
    client.force_login(managed.manager_east)
    waiting = client.get("/api/v1/approvals/requests").json()["items"]
    assert [r["id"] for r in waiting] == [request_id]
    refused(
        post(client, f"/api/v1/approvals/requests/{request_id}/withdraw"),
        403,
        ApprovalError.NOT_SUBMITTER,
    )
    refused(
        post(client, f"/api/v1/approvals/requests/{request_id}/reject", {"reason": ""}),
        422,
        ApprovalError.REASON_REQUIRED,
    )
    response = post(client, f"/api/v1/approvals/requests/{request_id}/approve", {"comment": "好"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert [a["kind"] for a in body["actions"]] == ["submit", "approve"]
    assert ExpenseClaim.objects.get().status == "approved"


def post_flow(managed, **over):
    return flow(
        managed.admin,
        conditions=over.pop("conditions", {}),
        steps=over.pop("steps", [step({"kind": "manager"})]),
        **over,
    )


def test_acting_on_a_request_not_waiting_for_you(client, managed):
    post_flow(managed)
    _claim_submitted(client, managed.rep_east)
    request = ApprovalRequest.objects.get()
    client.force_login(managed.rep_south)
    refused(
        post(client, f"/api/v1/approvals/requests/{request.pk}/approve"),
        404,
        ApprovalError.REQUEST_NOT_FOUND,
    )
    client.force_login(managed.admin)  # sees every request, but it does not wait for them
    refused(
        post(client, f"/api/v1/approvals/requests/{request.pk}/approve"),
        403,
        ApprovalError.NOT_YOUR_TURN,
    )
    request.refresh_from_db()
    assert (request.status, request.actions.count()) == ("pending", 1)


def test_approving_ones_own_request_where_the_flow_forbids_it(client, managed):
    UserFactory(username="mgr_south", team=managed.south, roles=["sales_manager"])
    post_flow(managed, steps=[step({"kind": "role", "value": "sales_manager"})])
    _claim_submitted(client, managed.manager_east)
    request = ApprovalRequest.objects.get()
    refused(
        post(client, f"/api/v1/approvals/requests/{request.pk}/approve"),
        403,
        ApprovalError.SELF_APPROVAL,
    )
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_submitter_without_a_team_has_no_manager(client, managed):
    post_flow(managed)
    client.force_login(managed.finance)
    claim = post(
        client,
        "/api/v1/approvals/expense-claims",
        {"date": "2026-11-20", "category": "meals", "amount": "50"},
    ).json()
    response = post(client, f"/api/v1/approvals/expense-claims/{claim['id']}/submit")
    refused(response, 422, ApprovalError.NO_APPROVER)
    assert ExpenseClaim.objects.get().status == "draft"
    assert not ApprovalRequest.objects.exists()


def test_delegations_and_a_cycle(client, managed, controller):
    client.force_login(managed.manager_east)
    body = {"delegate_id": controller.pk, "start": "2026-12-01", "end": "2026-12-07"}
    response = post(client, "/api/v1/approvals/delegations", body)
    assert response.status_code == 201, response.content
    client.force_login(controller)
    back = {"delegate_id": managed.manager_east.pk, "start": "2026-12-05", "end": "2026-12-09"}
    refused(
        post(client, "/api/v1/approvals/delegations", back), 422, ApprovalError.DELEGATION_CYCLE
    )
    assert Delegation.objects.count() == 1
    client.force_login(managed.manager_east)
    assert client.get("/api/v1/approvals/delegations").json()["count"] == 1


def test_a_large_write_off_answers_202_and_posts_after_approval(
    client, managed, finance2, controller
):
    flow(
        managed.admin,
        "receivables.writeoff",
        conditions=LARGE,
        steps=[
            step({"kind": "role", "value": "finance"}),
            step({"kind": "user", "value": controller.pk}),
        ],
    )
    customer = CustomerFactory(owner=managed.rep_east)
    invoice = issued(managed, customer, lines=[line("20000.00")])
    installment = invoice.installments.get()
    client.force_login(managed.finance)
    body = {
        "installment_id": installment.pk,
        "kind": WriteOffKind.BAD_DEBT,
        "reason": "破产",
        "date": DAY.isoformat(),
    }
    response = post(client, "/api/v1/receivables/write-offs", body)
    assert response.status_code == 202, response.content
    held = response.json()
    assert (held["status"], held["amount"]) == ("pending", "22600.00")
    refused(
        post(client, "/api/v1/receivables/write-offs", {**body, "amount": "1.00"}),
        409,
        ReceivableError.APPROVAL_PENDING,
    )
    assert_verified()
    for approver in (finance2, controller):
        client.force_login(approver)
        url = f"/api/v1/approvals/requests/{held['approval_request_id']}/approve"
        assert post(client, url).status_code == 200
    assert HeldPosting.objects.get().status == "posted"
    assert Allocation.objects.get().amount == invoice.total
    assert_verified()


def test_the_openapi_schema_lists_the_approval_endpoints(client, company):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/approvals/requests/{request_id}/approve" in paths
    assert "/api/v1/approvals/flows/{flow_id}" in paths
    assert set(paths["/api/v1/receivables/write-offs"]["post"]["responses"]) >= {"201", "202"}
