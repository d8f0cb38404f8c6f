"""Disputes and dunning charges through the API and the pages: open, resolve, list, waive,
interest by hand, and bad input answered with its code and nothing changed (decision 051)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.test import TestCase
from django.utils import translation

from cashloop.collections.choices import ChargeBooking, ChargeStatus, DisputeStatus
from cashloop.collections.models import Dispute, DunningCharge
from cashloop.collections.services import LevelInput, dunning_policy_save, dunning_run
from cashloop.collections.tests.conftest import DUE, issue
from cashloop.receivables.models import Installment

API = "/api/v1/dunning"
D = Decimal


def send(client, method, path, payload=None):
    return getattr(client, method)(path, payload or {}, content_type="application/json")


def test_disputes_are_opened_listed_and_resolved(client, company, debtor):
    item = Installment.objects.get(invoice=issue(company, debtor))
    client.force_login(company.finance)
    made = send(
        client,
        "post",
        f"{API}/disputes",
        {"installment_id": item.pk, "reason": "price", "amount": "100.00", "note": "单价不符"},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["status"], body["amount"], body["invoice_id"]) == (
        "open",
        "100.00",
        item.invoice_id,
    )
    listed = client.get(f"{API}/disputes", {"status": "open"}).json()
    assert [row["id"] for row in listed["items"]] == [body["id"]]
    resolved = send(
        client,
        "post",
        f"{API}/disputes/{body['id']}/resolve",
        {"outcome": "credit", "note": "同意折让"},
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["status"] == "credited" and resolved.json()["credit_note_id"]


def test_bad_dispute_input_answers_with_its_code_and_changes_nothing(client, company, debtor):
    item = Installment.objects.get(invoice=issue(company, debtor))
    client.force_login(company.finance)
    for payload, status, code in [
        (
            {"installment_id": item.pk, "reason": "price", "amount": "9999"},
            422,
            "dispute.amount_invalid",
        ),
        (
            {"installment_id": item.pk, "reason": "price", "amount": "0"},
            422,
            "dispute.amount_invalid",
        ),
        ({"installment_id": item.pk, "reason": "mood"}, 422, "dispute.reason_invalid"),
        ({"installment_id": 999999, "reason": "price"}, 404, "dispute.installment_not_found"),
    ]:
        response = send(client, "post", f"{API}/disputes", payload)
        assert response.status_code == status and response.json()["error"]["code"] == code
    assert not Dispute.objects.exists()
    first = send(client, "post", f"{API}/disputes", {"installment_id": item.pk, "reason": "price"})
    twice = send(client, "post", f"{API}/disputes", {"installment_id": item.pk, "reason": "price"})
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "dispute.already_disputed"
    bad = send(
        client,
        "post",
        f"{API}/disputes/{first.json()['id']}/resolve",
        {"outcome": "x", "note": "n"},
    )
    assert bad.json()["error"]["code"] == "dispute.outcome_invalid"
    assert Dispute.objects.get().status == DisputeStatus.OPEN
    client.force_login(company.viewer)
    denied = send(client, "post", f"{API}/disputes", {"installment_id": item.pk, "reason": "price"})
    assert denied.status_code == 403 and Dispute.objects.count() == 1


def test_interest_on_a_disputed_item_is_refused_through_the_api(client, company, debtor):
    dunning_policy_save(
        actor=company.finance,
        name="Interest",
        is_default=True,
        interest_rate=D(10),
        charge_booking=ChargeBooking.ON_PAYMENT,
        levels=[LevelInput(name="Reminder", days_overdue=1)],
    )
    item = Installment.objects.get(invoice=issue(company, debtor))
    client.force_login(company.finance)
    send(client, "post", f"{API}/disputes", {"installment_id": item.pk, "reason": "quality"})
    refused = send(client, "post", f"{API}/charges/interest", {"installment_id": item.pk})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "dunning_charge.disputed"
    assert not DunningCharge.objects.exists()


def test_charges_are_listed_waived_and_booked(client, company, debtor):
    policy = dunning_policy_save(
        actor=company.finance,
        name="Fees",
        is_default=True,
        interest_rate=D(10),
        charge_booking=ChargeBooking.ON_PAYMENT,
        levels=[LevelInput(name="Fee", days_overdue=30, fee=D("50.00"))],
    )
    issue(company, debtor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        dunning_run(actor=None, today=DUE + timedelta(days=30), send=True)
    client.force_login(company.finance)
    got = client.get(f"{API}/policies/{policy.pk}").json()
    assert (got["interest_rate"], got["charge_booking"]) == ("10.0000", "on_payment")
    rows = client.get(f"{API}/charges", {"customer_id": debtor.pk}).json()["items"]
    assert sorted((row["kind"], D(row["amount"])) for row in rows) == [
        ("fee", D("50.00")),
        ("interest", D("9.29")),
    ]
    fee = next(row for row in rows if row["kind"] == "fee")
    waived = send(client, "post", f"{API}/charges/{fee['id']}/waive", {"reason": "首次"})
    assert waived.json()["status"] == "waived"
    again = send(client, "post", f"{API}/charges/{fee['id']}/waive")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "dunning_charge.not_pending"
    booked = send(client, "post", f"{API}/charges/book", {"customer_id": debtor.pk})
    assert booked.status_code == 200 and len(booked.json()) == 1
    statuses = dict(DunningCharge.objects.values_list("kind", "status"))
    assert statuses == {"fee": ChargeStatus.WAIVED, "interest": ChargeStatus.INVOICED}


def test_a_dispute_is_opened_and_resolved_on_its_pages(client, company, debtor):
    item = Installment.objects.get(invoice=issue(company, debtor))
    client.force_login(company.finance)
    with translation.override("en"):
        invoice_page = client.get(f"/invoices/{item.invoice_id}/")
        assert f"/dunning/disputes/new/{item.pk}/" in invoice_page.text
        form = client.get(f"/dunning/disputes/new/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert "Dispute an installment" in form.text
        bad = client.post(
            f"/dunning/disputes/new/{item.pk}/",
            {"reason": "price", "amount": "5000"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert bad.status_code == 200 and "at most the open" in bad.text
        assert not Dispute.objects.exists()
        made = client.post(
            f"/dunning/disputes/new/{item.pk}/",
            {"reason": "quality", "note": "破损"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        dispute = Dispute.objects.get()
        assert made.status_code == 302 and made.url == f"/dunning/disputes/{dispute.pk}/"
        listed = client.get("/dunning/disputes/", HTTP_ACCEPT_LANGUAGE="en")
        assert "Quality" in listed.text and debtor.name in listed.text
        client.post(
            f"/dunning/disputes/{dispute.pk}/",
            {"outcome": "withdraw", "note": "客户撤回"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.WITHDRAWN
    # in Chinese (the default language)
    page = client.get(f"/dunning/disputes/{dispute.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "客户撤回" in page.text
    charges = client.get("/dunning/charges/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert charges.status_code == 200


def test_the_dispute_pages_need_the_right(client, company, debtor):
    item = Installment.objects.get(invoice=issue(company, debtor))
    client.force_login(company.viewer)
    assert client.get(f"/dunning/disputes/new/{item.pk}/").status_code == 403
    assert client.get("/dunning/disputes/").status_code == 403
