"""The tickets API: open, read with the conversation and the overdue warning, change, reply,
assign; each refusal with its code and nothing changed."""

from __future__ import annotations

import pytest
from django.utils import translation

from cashloop.service.models import Ticket, TicketMessage
from tests.factories import ContactFactory

URL = "/api/v1/tickets"


def post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


def code(response):
    return response.json()["error"]["code"]


@pytest.fixture
def api(client, agent):
    client.force_login(agent)
    return client


def test_open_a_ticket_and_read_it_with_the_warning(api, agent, owing):
    contact = ContactFactory(customer=owing)
    response = post(
        api,
        URL,
        {
            "customer_id": owing.pk,
            "contact_id": contact.pk,
            "subject": "设备报警",
            "priority": "high",
            "assignee_id": agent.pk,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("TKT-")
    assert body["status"] == "new"
    warning = body["overdue_warning"]
    assert warning["amounts"] == [{"currency": "CNY", "amount": "1130.00"}]
    assert warning["collector_name"] == "Rep_East"
    assert warning["items"] == 1 and warning["oldest_days"] > 0
    with translation.override("en"):
        detail = api.get(f"{URL}/{body['id']}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "overdue" in detail["overdue_warning"]["message"]
    assert detail["messages"] == []


def test_a_customer_who_owes_nothing_has_no_warning(api, clean):
    body = post(api, URL, {"customer_id": clean.pk, "subject": "咨询"}).json()
    assert body["overdue_warning"] is None


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"subject": "x", "customer_id": 999_999}, 404, "customer.not_found"),
        ({"subject": "x", "priority": "asap"}, 422, "request.invalid"),
        ({"subject": "", "priority": "low"}, 422, "request.invalid"),
        ({"subject": "x", "contact_id": 999_999}, 422, "ticket.contact_mismatch"),
        ({"subject": "x", "product_id": 999_999}, 422, "ticket.product_not_found"),
        ({"subject": "x", "surprise": 1}, 422, "request.invalid"),
    ],
)
def test_bad_tickets_are_refused(api, clean, payload, status, error):
    response = post(api, URL, {"customer_id": clean.pk, **payload})
    assert (response.status_code, code(response)) == (status, error)
    assert not Ticket.objects.exists()


def test_reply_status_assign_and_list(api, company, agent, owing):
    ticket = post(api, URL, {"customer_id": owing.pk, "subject": "漏水"}).json()
    path = f"{URL}/{ticket['id']}"
    reply = post(api, f"{path}/replies", {"body": "已安排上门。", "payment_reminder": True})
    assert reply.status_code == 201
    assert "1,130.00" in reply.json()["body"]
    note = post(api, f"{path}/replies", {"body": "客户欠款，先收款", "internal": True})
    assert note.json()["internal"] is True
    refused = post(
        api, f"{path}/replies", {"body": "x", "internal": True, "payment_reminder": True}
    )
    assert (refused.status_code, code(refused)) == (422, "ticket.reminder_internal")
    assert post(api, f"{path}/replies", {"body": " "}).json()["error"]["code"] == (
        "ticket.empty_message"
    )

    detail = api.get(path).json()
    assert detail["status"] == "open" and detail["first_response_at"]
    assert [m["internal"] for m in detail["messages"]] == [False, True]

    assert post(api, f"{path}/status", {"status": "resolved"}).json()["status"] == "resolved"
    bad = post(api, f"{path}/status", {"status": "waiting"})
    assert (bad.status_code, code(bad)) == (409, "ticket.bad_transition")
    bad = post(api, f"{path}/assign", {"assignee_id": company.viewer.pk})
    assert (bad.status_code, code(bad)) == (422, "ticket.assignee_invalid")
    assert post(api, f"{path}/assign", {"assignee_id": agent.pk}).json()["assignee_id"] == agent.pk

    patched = api.patch(path, {"priority": "urgent"}, content_type="application/json").json()
    assert patched["priority"] == "urgent"
    rows = api.get(URL, {"status": "resolved"}).json()
    assert [r["id"] for r in rows["items"]] == [ticket["id"]]
    assert api.get(URL, {"status": "new"}).json()["count"] == 0


def test_sellers_read_their_customers_tickets_without_internal_notes(
    client, company, agent, owing, clean
):
    client.force_login(agent)
    mine = post(client, URL, {"customer_id": owing.pk, "subject": "A"}).json()
    post(client, URL, {"customer_id": clean.pk, "subject": "B"})
    post(client, f"{URL}/{mine['id']}/replies", {"body": "内部", "internal": True})
    client.force_login(company.rep_east)
    assert [r["id"] for r in client.get(URL).json()["items"]] == [mine["id"]]
    assert client.get(f"{URL}/{mine['id']}").json()["messages"] == []
    denied = post(client, URL, {"customer_id": owing.pk, "subject": "C"})
    assert (denied.status_code, code(denied)) == (403, "permission.denied")
    denied = post(client, f"{URL}/{mine['id']}/replies", {"body": "hi"})
    assert denied.status_code == 403
    assert TicketMessage.objects.count() == 1
    client.force_login(company.rep_south)
    assert client.get(f"{URL}/{mine['id']}").status_code == 404


def test_the_hold_policy_through_the_api(client, company, agent, owing):
    from cashloop.credit.services import credit_hold_place

    client.force_login(company.admin)
    response = client.put(
        f"{URL}/settings", {"block_paid_on_hold": True}, content_type="application/json"
    )
    assert response.json() == {"block_paid_on_hold": True}
    credit_hold_place(actor=None, customer_id=owing.pk, reason="超限", source="limit")
    client.force_login(agent)
    refused = post(client, URL, {"customer_id": owing.pk, "subject": "上门", "paid_service": True})
    assert (refused.status_code, code(refused)) == (409, "ticket.customer_on_hold")
    assert "超限" in refused.json()["error"]["message"]
    assert not Ticket.objects.exists()
