"""Webhooks (decision 060): events from the services reach a receiver on loopback, signed,
once; failures are retried with doubling waits and given up after the last; a delivery is
resent by hand; bad subscriptions are refused with codes and change nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.receivables.services import payment_create
from cashloop.receivables.tests.test_services import issued
from cashloop.webhooks import signing
from cashloop.webhooks.choices import DeliveryStatus
from cashloop.webhooks.models import WebhookDelivery, WebhookSubscription
from cashloop.webhooks.services import (
    MAX_ATTEMPTS,
    webhook_delivery_attempt,
    webhook_emit,
    webhook_retry_due,
    webhook_subscription_create,
)
from cashloop.webhooks.tests.receiver import receiver
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
API = "/api/v1/webhooks"
D = Decimal


def subscribe(company, url: str, *events: str) -> WebhookSubscription:
    return webhook_subscription_create(
        actor=company.admin, name="ERP", url=url, events=list(events) or ["invoice.issued"]
    )


def test_an_issued_invoice_reaches_its_subscriber_signed(
    company, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver() as hook:
        subscription = subscribe(company, hook.url, "invoice.issued")
        with django_capture_on_commit_callbacks(execute=True):
            invoice = issued(company, customer)

    (request,) = hook.requests
    assert request.path == "/hooks/cashloop"
    assert request.headers["X-Cashloop-Event"] == "invoice.issued"
    assert request.headers["X-Cashloop-Event-Id"] == f"invoice.issued:{invoice.pk}"
    header = request.headers["X-Cashloop-Signature"]
    assert signing.verify(subscription.secret, header, request.body)
    assert not signing.verify(subscription.secret, header, request.body + b" ")
    assert not signing.verify("whsec_other", header, request.body)
    body = json.loads(request.body)
    assert body["event"] == "invoice.issued"
    assert body["data"]["number"] == invoice.number
    assert D(body["data"]["total"]) == invoice.total
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert [t.status_code for t in delivery.tries.all()] == [200]
    assert_verified()


def test_a_failing_subscriber_is_retried_with_doubling_waits(
    company, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver(script=[500, 503]) as hook:
        subscribe(company, hook.url, "payment.received")
        with django_capture_on_commit_callbacks(execute=True):
            payment_create(
                actor=company.finance,
                customer_id=customer.pk,
                amount=D("800.00"),
                payment_date=timezone.localdate(),
            )
        delivery = WebhookDelivery.objects.get()
        first = delivery.tries.get().at
        assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 500)
        assert delivery.next_attempt_at == first + timedelta(minutes=1)
        # Not before its time; then 503, and twice the wait; then delivered.
        assert webhook_retry_due(now=first + timedelta(seconds=30)) == 0
        assert webhook_retry_due(now=first + timedelta(seconds=61)) == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == first + timedelta(seconds=61, minutes=2)
        assert webhook_retry_due(now=first + timedelta(minutes=4)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    assert [t.status_code for t in delivery.tries.all()] == [200, 503, 500]
    assert len(hook.requests) == 3
    assert len({r.headers["X-Cashloop-Event-Id"] for r in hook.requests}) == 1
    assert_verified()


def test_one_event_about_one_record_is_delivered_once(company, django_capture_on_commit_callbacks):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver() as hook:
        subscribe(company, hook.url, "contract.activated")
        other = subscribe(company, hook.url, "invoice.issued")
        inactive = subscribe(company, hook.url, "contract.activated")
        inactive.active = False
        inactive.save()
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(2):
                webhook_emit("contract.activated", [customer], lambda c: (c.pk, {"id": c.pk}))
    assert len(hook.requests) == 1
    assert not WebhookDelivery.objects.filter(subscription__in=[other, inactive]).exists()
    with pytest.raises(ValueError):
        webhook_emit("invoice.paid_in_gold", [customer], lambda c: (c.pk, {}))


def test_after_the_last_attempt_it_fails_and_is_resent_by_hand(
    client, company, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver(script=[500] * MAX_ATTEMPTS) as hook:
        subscribe(company, hook.url, "invoice.issued")
        with django_capture_on_commit_callbacks(execute=True):
            issued(company, customer)
        delivery = WebhookDelivery.objects.get()
        now = delivery.tries.get().at
        while delivery.status == DeliveryStatus.PENDING:
            now += timedelta(hours=3)
            webhook_retry_due(now=now)
            delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
        assert webhook_retry_due(now=now + timedelta(days=1)) == 0
        client.force_login(company.admin)
        with django_capture_on_commit_callbacks(execute=True):
            resent = client.post(f"{API}/deliveries/{delivery.pk}/resend")
        assert resent.status_code == 200, resent.json()
    # Pending when answered; sent once the resend's transaction committed.
    assert (resent.json()["status"], resent.json()["attempts"]) == ("pending", 0)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert len(hook.requests) == MAX_ATTEMPTS + 1
    listed = client.get(f"{API}/deliveries?subscription_id={delivery.subscription_id}").json()
    assert listed["count"] == 1 and len(listed["items"][0]["tries"]) == MAX_ATTEMPTS + 1


def test_a_subscriber_that_does_not_answer_in_time_is_tried_again(company):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver(delay=1.0) as hook, override_settings(CASHLOOP_WEBHOOKS_TIMEOUT=0.2):
        subscribe(company, hook.url, "contract.activated")
        webhook_emit("contract.activated", [customer], lambda c: (c.pk, {"id": c.pk}))
        delivery = WebhookDelivery.objects.get()
        attempted = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempted.status == DeliveryStatus.PENDING and attempted.last_status_code is None
    assert "timed out" in attempted.last_error.lower()


def test_bad_subscriptions_are_refused_and_nothing_is_kept(client, company):
    client.force_login(company.admin)
    for body, code in (
        ({"url": "ftp://example.com/x", "events": ["invoice.issued"]}, "webhook.url_scheme"),
        (
            {"url": "http://example.invalid/x", "events": ["invoice.issued"]},
            "webhook.url_unresolved",
        ),
        ({"url": "http://127.0.0.1:9/x", "events": ["invoice.bounced"]}, "webhook.event_unknown"),
        ({"url": "http://127.0.0.1:9/x", "events": []}, "webhook.no_events"),
    ):
        refused = client.post(f"{API}/subscriptions", body, content_type="application/json")
        assert refused.status_code == 422, refused.json()
        assert refused.json()["error"]["code"] == code
    with override_settings(CASHLOOP_WEBHOOKS_ALLOW_PRIVATE=False):
        for url in ("http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://[::1]/hook"):
            refused = client.post(
                f"{API}/subscriptions",
                {"url": url, "events": ["invoice.issued"]},
                content_type="application/json",
            )
            assert refused.json()["error"]["code"] == "webhook.url_private", url
    assert not WebhookSubscription.objects.exists()
    client.force_login(company.finance)
    assert client.get(f"{API}/subscriptions").status_code == 403
    with pytest.raises(DomainError):
        webhook_subscription_create(
            actor=company.finance, name="x", url="http://127.0.0.1/x", events=["invoice.issued"]
        )


def test_a_private_address_is_not_posted_to_once_it_is_no_longer_allowed(company):
    customer = CustomerFactory(owner=company.rep_east)
    with receiver() as hook:
        subscribe(company, hook.url, "contract.activated")
        webhook_emit("contract.activated", [customer], lambda c: (c.pk, {"id": c.pk}))
        with override_settings(CASHLOOP_WEBHOOKS_ALLOW_PRIVATE=False):
            attempted = webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert hook.requests == []
    assert attempted.last_error == "webhook.url_private" and attempted.last_status_code is None


def test_the_api_keeps_subscriptions(client, company):
    client.force_login(company.admin)
    events = client.get(f"{API}/events").json()
    assert {"invoice.issued", "payment.received", "approval.decided"} <= {e["name"] for e in events}
    made = client.post(
        f"{API}/subscriptions",
        {"name": "财务系统", "url": "http://127.0.0.1:9/in", "events": ["payment.matched"]},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    hook_id = made.json()["id"]
    changed = client.patch(
        f"{API}/subscriptions/{hook_id}", {"active": False}, content_type="application/json"
    )
    assert changed.json()["active"] is False
    assert client.delete(f"{API}/subscriptions/{hook_id}").status_code == 204
    assert client.get(f"{API}/subscriptions/{hook_id}").status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_add_a_webhook_show_its_deliveries_and_send_one_again(
    client, company, language, django_capture_on_commit_callbacks
):
    client.force_login(company.admin)
    settings_page = client.get("/settings/", HTTP_ACCEPT_LANGUAGE=language)
    assert 'data-testid="manage-webhooks"' in settings_page.content.decode()
    with receiver(script=[500]) as hook:
        refused = client.post(
            "/settings/webhooks/",
            {"url": "gopher://x", "events": ["invoice.issued"]},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert refused.status_code == 200 and not WebhookSubscription.objects.exists()
        made = client.post(
            "/settings/webhooks/",
            {"name": "ERP", "url": hook.url, "events": ["invoice.issued"], "active": "on"},
        )
        subscription = WebhookSubscription.objects.get()
        assert made.status_code == 302 and made.url == f"/settings/webhooks/{subscription.pk}/"
        customer = CustomerFactory(owner=company.rep_east)
        with django_capture_on_commit_callbacks(execute=True):
            issued(company, customer)
        page = client.get(made.url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert subscription.secret in page and 'data-testid="delivery-status"' in page
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(f"/settings/webhooks/deliveries/{delivery.pk}/resend/")
        assert again.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(hook.requests) == 2
    client.force_login(company.finance)
    assert client.get("/settings/webhooks/").status_code == 403


def test_an_installment_that_fell_overdue_is_told_once(company, django_capture_on_commit_callbacks):
    from cashloop.receivables.choices import DueRule
    from cashloop.receivables.services import InstallmentIn, invoice_overdue_emit
    from cashloop.receivables.tests.test_services import DAY

    customer = CustomerFactory(owner=company.rep_east)
    fixed = DueRule.FIXED_DATE
    invoice = issued(
        company,
        customer,
        installments=[
            InstallmentIn(share=D(1), due_rule=fixed, fixed_date=DAY + timedelta(days=5)),
            InstallmentIn(share=D(1), due_rule=fixed, fixed_date=DAY + timedelta(days=40)),
        ],
    )
    first = invoice.installments.order_by("due_date").first()
    with receiver() as hook:
        subscribe(company, hook.url, "invoice.overdue")
        for days, told in ((5, 0), (6, 1), (7, 0)):  # due on day 5: overdue from day 6, once
            with django_capture_on_commit_callbacks(execute=True):
                assert invoice_overdue_emit(today=DAY + timedelta(days=days)) == told
    assert len(hook.requests) == 1
    data = json.loads(hook.requests[0].body)["data"]
    assert (data["installment_id"], data["days_overdue"]) == (first.pk, 1)
    assert data["number"] == invoice.number and data["residual"] == str(first.residual)
    # A week later than the window, nothing more is told (the second is not due yet).
    assert invoice_overdue_emit(today=DAY + timedelta(days=20)) == 0
    assert_verified()
