"""The worklist pages: the list by priority, a customer's page and its quick actions, in
English and Chinese, with bad input shown on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from cashloop.collections.models import CollectionTask, PaymentPromise
from cashloop.collections.services import customer_dunning_set
from cashloop.collections.tests.conftest import issue
from tests.factories import UserFactory


@pytest.fixture
def collector(company):
    return UserFactory(username="collector1", team=None, roles=["collector"])


@pytest.fixture
def assigned(company, collector, debtor):
    issue(company, debtor)
    customer_dunning_set(actor=company.finance, customer_id=debtor.pk, collector_id=collector.pk)
    return debtor


@pytest.mark.parametrize(
    ("language", "title", "log"), [("en", "My tasks today", "Log"), ("zh-hans", "今日", "记录")]
)
def test_the_worklist_and_the_customer_page_in_both_languages(
    client, collector, assigned, language, title, log
):
    client.force_login(collector)
    with translation.override(language):
        page = client.get("/collections/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="worklist-row-DEBTOR"' in body and "欠款客户" in body
    if language == "en":
        assert title in body
    with translation.override(language):
        page = client.get(f"/collections/customers/{assigned.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    body = page.content.decode()
    assert "ap@debtor.example" in body and 'data-testid="log-form"' in body
    assert "/collections/" in body  # the nav points to the worklist


def test_logging_a_call_with_a_promise_on_the_page(client, collector, assigned):
    client.force_login(collector)
    today = timezone.localdate()
    response = client.post(
        f"/collections/customers/{assigned.pk}/log/",
        {
            "kind": "call",
            "outcome": "promised",
            "summary": "pays next week",
            "promise_amount": "1130.00",
            "promise_date": (today + timedelta(days=5)).isoformat(),
            "next_follow_up": (today + timedelta(days=6)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert PaymentPromise.objects.get().status == "open"
    assert CollectionTask.objects.get().kind == "follow_up"
    page = client.get(f"/collections/customers/{assigned.pk}/").content.decode()
    assert 'data-testid="promise-status"' in page


def test_a_promise_in_the_past_is_shown_on_the_page_and_nothing_saved(client, collector, assigned):
    client.force_login(collector)
    with translation.override("en"):
        response = client.post(
            f"/collections/customers/{assigned.pk}/promise/",
            {"amount": "10", "promised_date": "2020-01-01"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 422
    assert "2020-01-01 has passed" in response.content.decode()
    assert not PaymentPromise.objects.exists()


def test_quick_actions_schedule_escalate_send_and_done(client, company, collector, assigned):
    client.force_login(collector)
    today = timezone.localdate().isoformat()
    base = f"/collections/customers/{assigned.pk}"
    assert client.post(f"{base}/task/", {"kind": "call", "due_date": today}).status_code == 302
    assert client.post(f"{base}/escalate/", {"note": "三次未接"}).status_code == 302
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(f"{base}/statement/").status_code == 302
    task = CollectionTask.objects.get(kind="call")
    assert client.post(f"{base}/tasks/{task.pk}/done/").status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    assert CollectionTask.objects.filter(kind="escalation").exists()


def test_a_viewer_cannot_open_the_worklist_and_finance_may_check_promises(client, company):
    client.force_login(company.viewer)
    assert client.get("/collections/").status_code == 403
    client.force_login(company.finance)
    assert client.post("/collections/promises/check/").status_code == 302
