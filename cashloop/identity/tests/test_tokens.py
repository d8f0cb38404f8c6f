"""API tokens: shown once, stored hashed, scoped read / read-write, expiring, revocable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cashloop.customers.models import Customer
from cashloop.identity.models import ApiToken
from cashloop.identity.services import api_token_create, api_token_revoke
from cashloop.identity.tokens import token_hash


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_is_shown_once_and_only_its_hash_is_stored(company):
    api_token, token = api_token_create(actor=company.rep_east, name="script")
    stored = ApiToken.objects.get(pk=api_token.pk)
    assert token.startswith(f"cl_{stored.prefix}_")
    assert stored.token_hash == token_hash(token)
    assert token not in {stored.token_hash, stored.prefix, stored.name}


def test_me_with_a_token(client, company):
    _, token = api_token_create(actor=company.rep_east, name="script")
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "rep_east"
    assert body["roles"] == ["sales_rep"]


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer cl_000000000000_wrong", "Basic abc", "Bearer "],
)
def test_bad_tokens_are_401_with_the_envelope(client, company, header):
    api_token_create(actor=company.rep_east, name="script")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"


def test_wrong_secret_with_a_real_prefix_is_refused(client, company):
    _, token = api_token_create(actor=company.rep_east, name="script")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/me", **bearer(forged)).status_code == 401


def test_read_only_token_cannot_write(client, company):
    _, token = api_token_create(actor=company.rep_east, name="reader", scope="read")
    payload = {"code": "RO1", "name": "只读 Ltd", "currency": "CNY"}
    response = client.post(
        "/api/v1/customers", payload, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token.read_only"
    assert not Customer.objects.filter(code="RO1").exists()
    assert client.get("/api/v1/customers", **bearer(token)).status_code == 200


def test_read_write_token_writes_without_csrf(client, company):
    _, token = api_token_create(actor=company.rep_east, name="writer", scope="read_write")
    payload = {"code": "RW1", "name": "读写 Ltd", "currency": "CNY"}
    response = client.post(
        "/api/v1/customers", payload, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get(code="RW1").owner == company.rep_east


def test_expired_and_revoked_tokens_are_refused(client, company):
    expired, expired_token = api_token_create(actor=company.rep_east, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_token = api_token_create(actor=company.rep_east, name="gone")
    api_token_revoke(actor=company.rep_east, token_id=revoked.pk)
    assert client.get("/api/v1/me", **bearer(expired_token)).status_code == 401
    assert client.get("/api/v1/me", **bearer(revoked_token)).status_code == 401


def test_tokens_of_inactive_users_are_refused(client, company):
    _, token = api_token_create(actor=company.rep_east, name="script")
    company.rep_east.is_active = False
    company.rep_east.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_token_api_create_list_revoke(client, company):
    client.force_login(company.rep_east)
    created = client.post(
        "/api/v1/tokens",
        {"name": "ci", "scope": "read_write", "expires_in_days": 30},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("cl_")
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["ci"]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    revoked = client.delete(f"/api/v1/tokens/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", **bearer(body["token"])).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "", "expires_in_days": 10}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_token_requests_are_422_and_create_nothing(client, company, payload, field):
    client.force_login(company.rep_east)
    response = client.post("/api/v1/tokens", payload, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request.invalid"
    assert field in {f["field"] for f in error["details"]["fields"]}
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(client, company):
    api_token, token = api_token_create(actor=company.rep_east, name="mine")
    client.force_login(company.admin)
    response = client.delete(f"/api/v1/tokens/{api_token.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "token.not_found"
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200


def test_token_page_shows_the_token_once(client, company):
    client.force_login(company.rep_east)
    response = client.post(
        "/settings/tokens/", {"name": "page", "scope": "read", "expires_in_days": 7}
    )
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token and token.encode() in response.content
    again = client.get("/settings/tokens/")
    assert token.encode() not in again.content
    assert b"page" in again.content
