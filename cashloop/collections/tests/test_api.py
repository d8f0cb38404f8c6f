"""The dunning API: policies with levels (and their bad input), preview, run, log."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from cashloop.collections.models import DunningLog, DunningPolicy
from cashloop.collections.tests.conftest import issue
from tests.factories import CustomerFactory

API = "/api/v1/dunning"

LEVELS = [
    {"name": "Reminder", "days_overdue": -3},
    {"name": "Overdue", "days_overdue": 1, "create_task": True},
    {"name": "Final", "days_overdue": 30, "hold": True, "letter": True, "fee": "20.00"},
]


def send(client, method, path, payload=None):
    return getattr(client, method)(path, payload or {}, content_type="application/json")


def test_policy_crud_with_levels(client, company):
    client.force_login(company.finance)
    made = send(
        client,
        "post",
        f"{API}/policies",
        {"name": "Standard", "is_default": True, "levels": LEVELS},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert [lv["days_overdue"] for lv in body["levels"]] == [-3, 1, 30]
    assert body["auto_send"] is False  # off until an admin turns it on
    changed = send(
        client,
        "put",
        f"{API}/policies/{body['id']}",
        {"name": "Standard", "is_default": True, "auto_send": True, "levels": LEVELS[1:]},
    )
    assert changed.status_code == 200 and [lv["name"] for lv in changed.json()["levels"]] == [
        "Overdue",
        "Final",
    ]
    assert client.get(f"{API}/policies").json()[0]["auto_send"] is True
    assert client.delete(f"{API}/policies/{body['id']}").status_code == 204
    assert not DunningPolicy.objects.exists()


def test_bad_policies_answer_with_codes_and_change_nothing(client, company):
    client.force_login(company.finance)
    cases = [
        ([LEVELS[1], LEVELS[0]], "dunning_level.out_of_order", 422),
        ([LEVELS[0], {**LEVELS[1], "days_overdue": -3}], "dunning_level.overlap", 422),
        ([], "dunning_policy.no_levels", 422),
    ]
    for levels, code, status in cases:
        response = send(client, "post", f"{API}/policies", {"name": "Bad", "levels": levels})
        assert response.status_code == status and response.json()["error"]["code"] == code
    assert not DunningPolicy.objects.exists()
    assert (
        send(
            client, "post", f"{API}/policies", {"name": "A", "is_default": True, "levels": LEVELS}
        ).status_code
        == 201
    )
    second = send(
        client, "post", f"{API}/policies", {"name": "B", "is_default": True, "levels": LEVELS}
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "dunning_policy.second_default"
    assert DunningPolicy.objects.count() == 1


def test_preview_run_and_log(client, company, policy, debtor):
    today = timezone.localdate()
    invoice = issue(company, debtor, issue_date=today - timedelta(days=31))  # due yesterday
    client.force_login(company.finance)
    preview = client.get(f"{API}/preview").json()
    assert preview["sent"] is False and preview["installments"] == 1
    [customer] = preview["customers"]
    assert customer["level"] == "First reminder" and customer["actions"] == ["email"]
    assert customer["items"][0]["invoice_number"] == invoice.number
    assert preview["customer_count"] == 1
    assert not DunningLog.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        ran = send(client, "post", f"{API}/runs").json()
    assert ran["sent"] is True and ran["logs"] == 1 and ran["emails"] == 1
    assert ran["customer_count"] == 1
    again = send(client, "post", f"{API}/runs").json()
    assert again["logs"] == 0 and again["customers"] == []
    log = client.get(f"{API}/log").json()["items"]
    assert [row["level_name"] for row in log] == ["First reminder"]
    assert log[0]["emailed_at"] is not None and log[0]["items"][0]["days_overdue"] == 1


def test_exclusion_in_the_past_and_rights(client, company, policy, debtor):
    invoice = issue(company, debtor)
    client.force_login(company.finance)
    past = send(
        client,
        "post",
        f"{API}/exclusions",
        {"invoice_id": invoice.pk, "reason": "dispute", "until": "2020-01-01"},
    )
    assert past.status_code == 422
    assert past.json()["error"]["code"] == "dunning_exclusion.end_in_past"
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    made = send(
        client,
        "post",
        f"{API}/exclusions",
        {"invoice_id": invoice.pk, "reason": "dispute", "until": future, "note": "wrong qty"},
    )
    assert made.status_code == 201
    client.force_login(company.rep_east)
    assert send(client, "post", f"{API}/runs").json()["error"]["code"] == "permission.denied"
    assert client.get(f"{API}/log").status_code == 200  # sellers read their customers' log


def test_a_preview_and_a_run_limited_to_the_first_customers_count_them_all(
    client, company, policy, debtor
):
    month_ago = timezone.localdate() - timedelta(days=31)
    issue(company, debtor, issue_date=month_ago)
    issue(company, CustomerFactory(owner=company.rep_south, code="AHEAD"), issue_date=month_ago)
    client.force_login(company.finance)
    shown = client.get(f"{API}/preview", {"limit": 1}).json()
    assert [c["code"] for c in shown["customers"]] == ["AHEAD"]
    assert (shown["customer_count"], shown["installments"]) == (2, 2)
    refused = client.get(f"{API}/preview", {"limit": 0})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "request.invalid"
    with TestCase.captureOnCommitCallbacks(execute=True):
        ran = send(client, "post", f"{API}/runs?limit=1").json()
    assert [c["code"] for c in ran["customers"]] == ["AHEAD"]
    assert (ran["customer_count"], ran["logs"], ran["installments"]) == (2, 2, 2)
