"""Credit control through /api/v1: the done-when case, and the bad input codes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def test_over_limit_contract_waits_for_finance_to_approve_a_release(
    client, company, flows, limited, draft
):
    client.force_login(company.manager_east)
    refused = post(client, f"{API}/contracts/{draft.pk}/activate")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "credit.on_hold"
    client.force_login(company.rep_east)
    asked = post(client, f"{API}/credit/customers/{limited.pk}/release", {"reason": "Key deal"})
    assert asked.status_code == 200, asked.json()
    request_id = asked.json()[0]["approval_request_id"]
    client.force_login(company.finance)
    assert post(client, f"{API}/approvals/requests/{request_id}/approve").status_code == 200
    credit = client.get(f"{API}/credit/customers/{limited.pk}").json()
    assert credit["on_hold"] is False and credit["limit"] == "5000.00"
    client.force_login(company.manager_east)
    active = post(client, f"{API}/contracts/{draft.pk}/activate")
    assert active.status_code == 200 and active.json()["status"] == "active"


@pytest.mark.parametrize(
    ("who", "path", "payload", "status", "code"),
    [
        ("finance", "limit", {"limit": "-5"}, 422, "credit.limit_negative"),
        ("viewer", "release", {"reason": "please"}, 403, "credit.release_not_allowed"),
    ],
)
def test_bad_input_is_refused_with_a_code(
    client, company, customers, who, path, payload, status, code
):
    client.force_login(getattr(company, who))
    response = post(client, f"{API}/credit/customers/{customers['rep_east'].pk}/{path}", payload)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_signals_are_recorded_listed_and_refused_for_unknown_customers(client, company, customers):
    client.force_login(company.finance)
    body = {"kind": "lawsuit", "source": "court", "date": "2026-01-05", "severity": "medium"}
    created = post(
        client, f"{API}/credit/signals", {"customer_id": customers["rep_east"].pk, **body}
    )
    assert created.status_code == 201, created.json()
    unknown = post(client, f"{API}/credit/signals", {"customer_id": 999999, **body})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "risk_signal.customer_not_found"
    assert client.get(f"{API}/credit/signals").json()["count"] == 1


def test_the_credit_page_and_holds_list_render(client, company, limited):
    client.force_login(company.finance)
    assert client.get(f"/credit/customers/{limited.pk}/").status_code == 200
    assert client.get("/credit/holds/").status_code == 200
