"""The API shell: health, me, OpenAPI and docs, the error envelope for every failure."""

import json

from django.test import override_settings


def test_health_needs_no_auth(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_lists_every_router(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/v1/health", "/api/v1/me", "/api/v1/customers", "/api/v1/contacts"} <= paths
    assert "/api/v1/tokens" in paths
    assert client.get("/api/v1/docs").status_code == 200


@override_settings(DEBUG=False)
def test_unknown_api_path_is_404_envelope(client, company):
    client.force_login(company.admin)
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_not_signed_in_is_401_envelope(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_session_writes_need_csrf(company):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(company.admin)
    response = strict.post(
        "/api/v1/customers",
        json.dumps({"code": "CS1", "name": "x", "currency": "CNY"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission.denied"


@override_settings(LANGUAGE_CODE="en")
def test_error_messages_follow_the_language(client, company):
    client.force_login(company.admin)
    payload = {"code": "L1", "name": "x", "currency": "XYZ"}
    en = client.post(
        "/api/v1/customers", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    zh = client.post(
        "/api/v1/customers",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert en.json()["error"]["code"] == zh.json()["error"]["code"] == "money.unknown_currency"
    assert en.json()["error"]["message"] == "Unknown currency: XYZ."
    assert en.json()["error"]["message"] != zh.json()["error"]["message"]
