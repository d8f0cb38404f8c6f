"""Rate limits of API tokens (decision 061): each token's requests counted per minute,
429 `api.rate_limited` with Retry-After beyond the limit, the standing in every answer,
a fresh count in the next minute; sessions not limited."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cashloop.customers.models import Customer
from cashloop.identity import ratelimit
from cashloop.identity.services import api_token_create
from cashloop.identity.tests.test_tokens import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A clock that stands still at 30 s into a minute until moved."""
    now = [1_800_000_030.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


@override_settings(CASHLOOP_API_RATE_LIMIT=3)
def test_a_token_beyond_its_limit_waits_for_the_next_minute(client, company, clock):
    _, token = api_token_create(actor=company.rep_east, name="script")
    _, other = api_token_create(actor=company.rep_east, name="other script")
    answers = [client.get("/api/v1/me", **bearer(token)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0]["X-RateLimit-Limit"] == "3" and answers[0]["X-RateLimit-Reset"] == "30"
    refused = answers[3]
    assert refused.json()["error"]["code"] == "api.rate_limited"
    assert refused["Retry-After"] == "30"
    # Another token counts on its own; a browser session is not limited.
    assert client.get("/api/v1/me", **bearer(other)).status_code == 200
    client.force_login(company.rep_east)
    assert all(client.get("/api/v1/me").status_code == 200 for _ in range(5))
    assert "X-RateLimit-Limit" not in client.get("/api/v1/me")
    client.logout()
    # The next minute starts a new count.
    clock[0] += 31
    again = client.get("/api/v1/me", **bearer(token))
    assert again.status_code == 200 and again["X-RateLimit-Remaining"] == "2"


@override_settings(CASHLOOP_API_RATE_LIMIT=1)
def test_a_refused_write_changes_nothing(client, company):
    _, token = api_token_create(actor=company.rep_east, name="writer", scope="read_write")
    body = {"code": "RL01", "name": "限流客户", "currency": "CNY"}
    made = client.post("/api/v1/customers", body, content_type="application/json", **bearer(token))
    assert made.status_code == 201
    again = client.post(
        "/api/v1/customers",
        {**body, "code": "RL02"},
        content_type="application/json",
        **bearer(token),
    )
    assert again.status_code == 429
    assert client.get("/api/v1/customers?q=RL02", **bearer(token)).status_code == 429
    assert not Customer.objects.filter(code="RL02").exists()
