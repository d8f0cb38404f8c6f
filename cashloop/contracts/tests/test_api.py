"""Contracts API: draft to active to milestone through the API; bad input with codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashloop.contracts.choices import ContractStatus
from cashloop.contracts.models import Contract, Milestone, PlanItem

D = Decimal
API = "/api/v1/contracts"


def post(client, path, payload=None):
    return client.post(
        path, payload if payload is not None else {}, content_type="application/json"
    )


def patch(client, path, payload):
    return client.patch(path, payload, content_type="application/json")


def code(response):
    return response.json()["error"]["code"]


def state():
    """Everything a refused request must leave as it was."""
    return (
        sorted(Contract.objects.values_list("pk", "status", "number", "total", "signing_date")),
        sorted(PlanItem.objects.values_list("pk", "amount", "status", "due_date", "milestone")),
        sorted(Milestone.objects.values_list("pk", "status", "actual_date")),
    )


def payload(customer, **overrides):
    """12,360.00: 30% on signing, 60% on the milestone's acceptance, 10% end of month."""
    return {
        "customer_id": customer.pk,
        "title": "ERP 实施",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "signing_date": "2026-03-10",
        "lines": [
            {
                "description": "实施服务",
                "quantity": "10",
                "unit_price": "1000.00",
                "tax_rate": "0.13",
            },
            {"description": "培训", "quantity": "2", "unit_price": "500.00", "tax_rate": "0.06"},
        ],
        "milestones": [{"name": "上线验收", "planned_date": "2026-06-30"}],
        "plan": [
            {"label": "预付款", "percent": "30", "due_rule": "on_signing", "due_days": 10},
            {
                "label": "验收款",
                "percent": "60",
                "due_rule": "on_milestone",
                "due_days": 15,
                "milestone_position": 1,
            },
            {"label": "尾款", "percent": "10", "due_rule": "end_of_month", "due_days": 5},
        ],
        **overrides,
    }


@pytest.fixture
def drafted(client, company, customers):
    client.force_login(company.rep_east)
    response = post(client, API, payload(customers["rep_east"]))
    assert response.status_code == 201, response.json()
    return response.json()


def test_draft_activate_and_accept_the_milestone_through_the_api(client, company, drafted):
    # given: the rep's draft
    assert drafted["status"] == "draft" and drafted["total"] == "12360.00"
    assert drafted["remainder"] == "0.00"
    assert [i["amount"] for i in drafted["plan"]] == ["3708.00", "7416.00", "1236.00"]
    # when: the manager activates
    client.force_login(company.manager_east)
    active = post(client, f"{API}/{drafted['id']}/activate")
    # then
    assert active.status_code == 200, active.json()
    body = active.json()
    assert body["status"] == "active" and body["number"] == "CON-2026-000001"
    assert [(i["status"], i["due_date"]) for i in body["plan"]] == [
        ("scheduled", "2026-03-20"),
        ("waiting", None),
        ("scheduled", "2026-04-05"),
    ]
    # when: the rep records the acceptance
    client.force_login(company.rep_east)
    milestone_id = body["milestones"][0]["id"]
    accepted = post(
        client, f"{API}/milestones/{milestone_id}/accept", {"actual_date": "2026-07-02"}
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    detail = client.get(f"{API}/{drafted['id']}").json()
    assert detail["plan"][1]["due_date"] == "2026-07-17"
    assert detail["plan"][1]["status"] == "scheduled"
    listed = client.get(API, {"status": "active"}).json()
    assert [c["id"] for c in listed["items"]] == [drafted["id"]]


def test_the_draft_is_edited_until_its_plan_sums(client, company, drafted):
    edited = patch(
        client,
        f"{API}/{drafted['id']}",
        {"plan": [{"label": "全款", "amount": "12000.00"}]},
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["remainder"] == "360.00"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"plan": [{"label": "全款", "amount": "12359.99"}]}, "contract.plan_sum"),
        (
            {"plan": [{"label": "全款", "percent": "100", "due_rule": "on_milestone"}]},
            "contract.milestone_required",
        ),
        ({"signing_date": None}, "contract.signing_date_required"),
    ],
)
def test_activation_refused_changes_nothing(client, company, drafted, change, expected):
    assert patch(client, f"{API}/{drafted['id']}", change).status_code == 200
    client.force_login(company.manager_east)
    before = state()
    # when
    response = post(client, f"{API}/{drafted['id']}/activate")
    # then
    assert response.status_code == 422
    assert code(response) == expected
    assert state() == before


def test_an_active_contract_is_not_edited_nor_activated_again(client, company, drafted):
    client.force_login(company.manager_east)
    assert post(client, f"{API}/{drafted['id']}/activate").status_code == 200
    before = state()
    edited = patch(client, f"{API}/{drafted['id']}", {"title": "改"})
    again = post(client, f"{API}/{drafted['id']}/activate")
    assert (edited.status_code, code(edited)) == (409, "contract.wrong_status")
    assert (again.status_code, code(again)) == (409, "contract.wrong_status")
    assert state() == before


def test_a_malformed_plan_is_refused_with_its_code(client, company, customers):
    client.force_login(company.rep_east)
    bad = payload(customers["rep_east"], plan=[{"label": "x", "percent": "50", "amount": "10.00"}])
    response = post(client, API, bad)
    assert (response.status_code, code(response)) == (422, "contract.bad_plan")
    assert not Contract.objects.exists()


def test_a_rep_may_not_activate_nor_touch_another_reps_contract(client, company, drafted):
    before = state()
    response = post(client, f"{API}/{drafted['id']}/activate")
    assert (response.status_code, code(response)) == (403, "permission.denied")
    client.force_login(company.rep_south)
    assert client.get(f"{API}/{drafted['id']}").status_code == 404
    edited = patch(client, f"{API}/{drafted['id']}", {"title": "x"})
    assert (edited.status_code, code(edited)) == (404, "contract.not_found")
    assert client.get(API).json()["items"] == []
    assert state() == before


def test_terminate_amend_and_renew(client, company, drafted):
    client.force_login(company.manager_east)
    post(client, f"{API}/{drafted['id']}/activate")
    amended = post(
        client,
        f"{API}/{drafted['id']}/amendments",
        {"reason": "延期", "end_date": "2027-06-30"},
    )
    assert amended.status_code == 201, amended.json()
    assert amended.json()["status"] == "applied"
    renewed = post(client, f"{API}/{drafted['id']}/renew")
    assert renewed.status_code == 201, renewed.json()
    assert renewed.json()["start_date"] == "2027-07-01"
    refused = post(client, f"{API}/{drafted['id']}/terminate", {"reason": ""})
    assert (refused.status_code, code(refused)) == (422, "contract.reason_required")
    ended = post(client, f"{API}/{drafted['id']}/terminate", {"reason": "客户要求"})
    assert ended.json()["status"] == ContractStatus.TERMINATED
    assert {i["status"] for i in ended.json()["plan"]} == {"cancelled"}


def test_from_quote_through_the_api(client, company, accepted_quote):
    client.force_login(company.rep_east)
    response = post(client, f"{API}/from-quote", {"quote_id": accepted_quote.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["quote_id"] == accepted_quote.pk
    again = post(client, f"{API}/from-quote", {"quote_id": accepted_quote.pk})
    assert again.json()["id"] == response.json()["id"]


def test_the_list_and_detail_use_a_bounded_number_of_queries(
    client, company, drafted, django_assert_max_num_queries
):
    customer = Contract.objects.get().customer
    for _ in range(5):
        post(client, API, payload(customer))
    with django_assert_max_num_queries(12):
        assert len(client.get(API).json()["items"]) == 6
    with django_assert_max_num_queries(16):
        assert client.get(f"{API}/{drafted['id']}").status_code == 200


def test_milestone_progress_is_recorded_through_the_api(client, company, drafted):
    milestone_id = drafted["milestones"][0]["id"]
    response = patch(
        client,
        f"{API}/milestones/{milestone_id}",
        {"percent_delivered": "100", "note": "设备到货"},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["percent_delivered"]) == ("delivered", "100")
    bad = patch(client, f"{API}/milestones/{milestone_id}", {"percent_delivered": "120"})
    assert bad.status_code == 422
    client.force_login(company.rep_south)
    hidden = patch(client, f"{API}/milestones/{milestone_id}", {"note": "x"})
    assert (hidden.status_code, code(hidden)) == (404, "contract.milestone_not_found")
    assert Milestone.objects.get(pk=milestone_id).note == "设备到货"
