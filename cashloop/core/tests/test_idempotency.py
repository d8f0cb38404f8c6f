"""Idempotency-Key on API POSTs: replay the first response, 409 on a different payload."""

from cashloop.core.models import IdempotencyKey
from cashloop.customers.models import Customer

PAYLOAD = {"code": "IDEM1", "name": "幂等 Ltd", "currency": "CNY"}


def post(client, payload, key, **extra):
    return client.post(
        "/api/v1/customers",
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **extra,
    )


def test_replay_returns_the_first_response_and_creates_nothing(client, company):
    client.force_login(company.rep_east)
    first = post(client, PAYLOAD, "k-1")
    second = post(client, PAYLOAD, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(code="IDEM1").count() == 1


def test_same_key_with_another_payload_is_409(client, company):
    client.force_login(company.rep_east)
    post(client, PAYLOAD, "k-2")
    response = post(client, {**PAYLOAD, "name": "Other"}, "k-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency.key_reused"
    assert Customer.objects.get(code="IDEM1").name == "幂等 Ltd"


def test_keys_belong_to_their_user(client, company):
    client.force_login(company.rep_east)
    assert post(client, PAYLOAD, "shared").status_code == 201
    client.force_login(company.rep_south)
    # Another company of another name: the same name would be held as a possible duplicate.
    response = post(client, {**PAYLOAD, "code": "IDEM2", "name": "另一家 Other Co"}, "shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_an_error_response_is_replayed_too(client, company):
    client.force_login(company.rep_east)
    bad = {**PAYLOAD, "currency": "XYZ"}
    first = post(client, bad, "k-3")
    assert first.status_code == 422
    again = post(client, bad, "k-3")
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert not Customer.objects.exists()


def test_a_too_long_key_is_refused(client, company):
    client.force_login(company.rep_east)
    response = post(client, PAYLOAD, "x" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency.key_invalid"
    assert not Customer.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_without_the_header_posts_are_not_deduplicated(client, company):
    client.force_login(company.rep_east)
    client.post("/api/v1/customers", PAYLOAD, content_type="application/json")
    response = client.post("/api/v1/customers", PAYLOAD, content_type="application/json")
    assert response.status_code == 409  # the code is taken: the domain rule, not a replay
    assert not IdempotencyKey.objects.exists()
