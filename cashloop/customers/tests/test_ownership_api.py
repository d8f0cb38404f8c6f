"""API of hand-over, the public pool and merge: success, and bad input with codes."""

import pytest

from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Customer, HandOver, PoolEvent, PoolSettings
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def _code(response):
    return response.json()["error"]["code"]


def test_hand_over_api(client, company):
    rep = company.rep_east
    a, b = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    client.force_login(company.manager_east)
    response = post(
        client,
        "/api/v1/customers/hand-over",
        {"from_user_id": rep.pk, "to_user_id": company.rep_east_sub.pk, "reason": "离职"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_count"] == 2
    assert body["counts"]["customers"] == 2
    assert body["from_user"]["id"] == rep.pk
    assert Customer.objects.filter(owner=company.rep_east_sub).count() == 2
    listed = client.get("/api/v1/customers/hand-overs").json()["items"]
    assert [h["id"] for h in listed] == [body["id"]]
    assert {a.pk, b.pk} == set(HandOver.objects.get().customers.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("who", "change", "status", "code"),
    [
        ("mgr", {"to_user_id": "inactive"}, 422, "customer.hand_over_to_inactive"),
        ("mgr", {"to_user_id": "rep"}, 422, "customer.hand_over_same_user"),
        ("mgr", {"customer_ids": "south"}, 422, "customer.hand_over_not_owned"),
        ("rep", {}, 403, "permission.denied"),
        ("mgr", {"reason": ""}, 422, "customer.hand_over_reason_required"),
        ("mgr", {"surprise": 1}, 422, "request.invalid"),
    ],
)
def test_hand_over_api_bad_input_changes_nothing(client, company, who, change, status, code):
    rep = company.rep_east
    mine = CustomerFactory(owner=rep)
    south = CustomerFactory(owner=company.rep_south)
    gone = UserFactory(team=company.east, roles=["sales_rep"], is_active=False)
    payload = {
        "from_user_id": rep.pk,
        "to_user_id": company.rep_east_sub.pk,
        "customer_ids": [mine.pk],
        "reason": "离职",
    }
    values = {"inactive": gone.pk, "rep": rep.pk, "south": [mine.pk, south.pk]}
    payload.update({k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    client.force_login(company.manager_east if who == "mgr" else rep)
    response = post(client, "/api/v1/customers/hand-over", payload)
    assert response.status_code == status, response.content
    if code != "request.invalid":
        assert _code(response) == code
    mine.refresh_from_db()
    assert mine.owner == rep
    assert not HandOver.objects.exists()


def test_pool_claim_release_api(client, company):
    rules = PoolSettings.current()
    rules.claim_limit = 1
    rules.save()
    pooled = CustomerFactory(owner=None, team=None, name="公海客户")
    other = CustomerFactory(owner=None, team=None)
    client.force_login(company.rep_east)
    items = client.get("/api/v1/customers/pool?q=公海").json()["items"]
    assert [i["id"] for i in items] == [pooled.pk]
    assert set(items[0]) == {"id", "code", "name", "team_id", "tags", "last_interaction_at"}
    # Seeing it in the pool does not open its record.
    assert client.get(f"/api/v1/customers/{pooled.pk}").status_code == 404

    response = post(client, f"/api/v1/customers/{pooled.pk}/claim")
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == company.rep_east.pk

    response = post(client, f"/api/v1/customers/{other.pk}/claim")
    assert (response.status_code, _code(response)) == (409, "customer.pool_claim_limit")
    other.refresh_from_db()
    assert other.owner is None

    response = post(client, f"/api/v1/customers/{pooled.pk}/release", {"reason": ""})
    assert (response.status_code, _code(response)) == (422, "customer.pool_reason_required")
    response = post(client, f"/api/v1/customers/{pooled.pk}/release", {"reason": "不合适"})
    assert response.status_code == 200, response.content
    assert response.json()["owner"] is None

    rules.reclaim_cooldown_days = 30
    rules.save()
    response = post(client, f"/api/v1/customers/{pooled.pk}/claim")
    assert (response.status_code, _code(response)) == (409, "customer.pool_reclaim_too_soon")
    assert PoolEvent.objects.filter(customer=pooled).count() == 2

    client.force_login(company.rep_south)
    owned = CustomerFactory(owner=company.rep_east)
    response = post(client, f"/api/v1/customers/{owned.pk}/claim")
    assert (response.status_code, _code(response)) == (409, "customer.pool_not_in_pool")
    client.force_login(company.viewer)
    response = post(client, f"/api/v1/customers/{other.pk}/claim")
    assert (response.status_code, _code(response)) == (403, "permission.denied")


def test_pool_settings_api(client, company):
    client.force_login(company.admin)
    response = client.patch(
        "/api/v1/customers/pool/settings",
        {"enabled": True, "days_without_interaction": 60, "claim_limit": 50},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["claim_limit"] == 50
    client.force_login(company.rep_east)
    assert client.get("/api/v1/customers/pool/settings").json()["days_without_interaction"] == 60
    response = client.patch(
        "/api/v1/customers/pool/settings", {"claim_limit": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert PoolSettings.current().claim_limit == 50


def test_merge_api(client, company):
    survivor, duplicate = CustomerFactory(), CustomerFactory()
    client.force_login(company.finance)
    response = post(
        client,
        f"/api/v1/customers/{duplicate.pk}/merge",
        {"survivor_id": survivor.pk, "reason": "同一家"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["survivor_id"] == survivor.pk
    duplicate.refresh_from_db()
    assert duplicate.status == CustomerStatus.MERGED
    body = client.get(f"/api/v1/customers/{duplicate.pk}").json()
    assert body["merged_into_id"] == survivor.pk
    response = post(
        client,
        f"/api/v1/customers/{duplicate.pk}/merge",
        {"survivor_id": survivor.pk, "reason": "again"},
    )
    assert (response.status_code, _code(response)) == (409, "customer.merge_already_merged")
    response = post(
        client,
        f"/api/v1/customers/{survivor.pk}/merge",
        {"survivor_id": survivor.pk, "reason": "x"},
    )
    assert (response.status_code, _code(response)) == (422, "customer.merge_into_itself")
    client.force_login(company.rep_east)
    third = CustomerFactory(owner=company.rep_east)
    response = post(
        client, f"/api/v1/customers/{third.pk}/merge", {"survivor_id": survivor.pk, "reason": "x"}
    )
    assert (response.status_code, _code(response)) == (403, "permission.denied")
    third.refresh_from_db()
    assert third.status == CustomerStatus.ACTIVE
