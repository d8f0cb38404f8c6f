"""The worklist API under /api/v1/collections: contacts with promises, the check, tasks,
escalation, statements, and bad input as status + error code with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from cashloop.collections.models import CollectionActivity, CollectionTask, PaymentPromise
from cashloop.collections.services import customer_dunning_set
from cashloop.collections.tests.conftest import issue
from cashloop.receivables.services import payment_auto_allocate, payment_create
from tests.factories import UserFactory
from tests.ledger_check import assert_verified

API = "/api/v1/collections"


def post(client, path, payload=None):
    return client.post(f"{API}{path}", payload or {}, content_type="application/json")


@pytest.fixture
def collector(company):
    return UserFactory(username="collector1", team=None, roles=["collector"])


@pytest.fixture
def assigned(company, collector, debtor):
    issue(company, debtor)
    customer_dunning_set(actor=company.finance, customer_id=debtor.pk, collector_id=collector.pk)
    return debtor


def test_the_collector_logs_a_promise_that_a_payment_keeps(client, company, collector, assigned):
    today = timezone.localdate()
    client.force_login(collector)
    [row] = client.get(f"{API}/worklist").json()
    assert (
        row["code"] == "DEBTOR"
        and Decimal(row["overdue"]) == Decimal("1130")
        and row["task"] is None
    )
    assert {p["part"] for p in row["priority_parts"]} >= {"amount", "days"}
    made = post(
        client,
        "/activities",
        {
            "customer_id": assigned.pk,
            "kind": "call",
            "outcome": "promised",
            "summary": "will pay Friday",
            "promise_amount": "1130.00",
            "promise_date": (today + timedelta(days=3)).isoformat(),
            "next_follow_up": (today + timedelta(days=4)).isoformat(),
        },
    )
    assert made.status_code == 201, made.json()
    [promise] = client.get(f"{API}/promises", {"customer_id": assigned.pk}).json()["items"]
    assert promise["status"] == "open" and Decimal(promise["amount"]) == Decimal("1130")
    view = client.get(f"{API}/customers/{assigned.pk}").json()
    assert view["history"][0]["outcome"] == "promised"
    assert view["open_tasks"][0]["kind"] == "follow_up"
    assert view["contacts"][0]["email"] == "ap@debtor.example"
    payment = payment_create(
        actor=company.finance,
        customer_id=assigned.pk,
        amount=Decimal("1130.00"),
        payment_date=today,
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    # The collector may not run the check; finance may.
    assert post(client, "/promises/check").json()["error"]["code"] == "permission.denied"
    client.force_login(company.finance)
    checked = post(client, "/promises/check")
    assert checked.json() == {"checked": 1, "kept": 1, "broken": 0}
    assert PaymentPromise.objects.get().status == "kept"
    assert_verified()


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"promise_date": "2020-01-01"}, 422, "payment_promise.date_in_past"),
        ({"promise_amount": "0"}, 422, "payment_promise.amount_invalid"),
        ({"promise_amount": "-1"}, 422, "payment_promise.amount_invalid"),
        ({"customer_id": 999999}, 404, "collection.customer_not_found"),
        ({"outcome": "maybe"}, 422, "collection_activity.outcome_invalid"),
        ({"surprise": 1}, 422, "request.invalid"),
    ],
)
def test_bad_activities_are_refused_with_codes(client, collector, assigned, changes, status, code):
    client.force_login(collector)
    payload = {
        "customer_id": assigned.pk,
        "kind": "call",
        "outcome": "promised",
        "summary": "promised",
        "promise_amount": "100",
        "promise_date": timezone.localdate().isoformat(),
        **changes,
    }
    response = post(client, "/activities", payload)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not CollectionActivity.objects.exists() and not PaymentPromise.objects.exists()


def test_promises_tasks_escalation_and_statement(client, company, collector, assigned):
    today = timezone.localdate()
    client.force_login(collector)
    made = post(
        client,
        "/promises",
        {"customer_id": assigned.pk, "amount": "50", "promised_date": today.isoformat()},
    )
    assert made.status_code == 201
    cancelled = post(client, f"/promises/{made.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = post(client, f"/promises/{made.json()['id']}/cancel")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "payment_promise.not_open")
    task = post(
        client, "/tasks", {"customer_id": assigned.pk, "due_date": today.isoformat(), "kind": "sms"}
    )
    assert task.status_code == 201 and task.json()["title"]
    past = post(client, "/tasks", {"customer_id": assigned.pk, "due_date": "2020-01-01"}).json()
    assert past["error"]["code"] == "collection_task.due_in_past"
    done = post(client, f"/tasks/{task.json()['id']}/done")
    assert done.json()["done_at"] is not None
    escalated = post(client, "/escalations", {"customer_id": assigned.pk, "note": "no answer"})
    assert escalated.status_code == 201 and escalated.json()["kind"] == "escalation"
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = post(client, "/statements", {"customer_id": assigned.pk})
    assert sent.status_code == 201 and sent.json()["outcome"] == "reached"
    assert CollectionTask.objects.filter(customer=assigned).count() == 2


def test_a_seller_reads_but_does_not_write(client, company, assigned):
    client.force_login(company.rep_east)
    assert client.get(f"{API}/customers/{assigned.pk}").status_code == 200
    response = post(
        client,
        "/promises",
        {"customer_id": assigned.pk, "amount": "5", "promised_date": "2099-01-01"},
    )
    assert response.json()["error"]["code"] == "permission.denied"
    client.force_login(company.rep_south)  # not their customer
    response = client.get(f"{API}/customers/{assigned.pk}")
    assert (response.status_code, response.json()["error"]["code"]) == (
        404,
        "collection.customer_not_found",
    )
