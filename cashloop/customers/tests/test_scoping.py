"""Data scope through every path: API list/detail/update/search, pages, export, history.

The matrix: each role's scope decides which of three customers (owned by a rep in East,
a rep in East's sub-team, and a rep in South) a user sees.  A denied write changes nothing.
"""

import pytest

from cashloop.customers.models import Customer

# Which owners' customers each user sees: own / team (with sub-teams) / all.
VISIBLE = {
    "admin1": {"rep_east", "rep_sub", "rep_south"},
    "mgr_east": {"rep_east", "rep_sub"},
    "rep_east": {"rep_east"},
    "rep_sub": {"rep_sub"},
    "rep_south": {"rep_south"},
    "fin": {"rep_east", "rep_sub", "rep_south"},
    "viewer": {"rep_east", "rep_sub", "rep_south"},
}
CAN_CHANGE = {
    "admin1": {"rep_east", "rep_sub", "rep_south"},
    "mgr_east": {"rep_east", "rep_sub"},
    "rep_east": {"rep_east"},
    "rep_sub": {"rep_sub"},
    "rep_south": {"rep_south"},
    "fin": {"rep_east", "rep_sub", "rep_south"},
    "viewer": set(),
}
ALL_OWNERS = ("rep_east", "rep_sub", "rep_south")


def _user(company, username):
    return next(u for u in vars(company).values() if getattr(u, "username", None) == username)


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_api_list_and_detail_follow_the_scope(client, company, customers, username):
    client.force_login(_user(company, username))
    listed = client.get("/api/v1/customers").json()["items"]
    assert {c["owner"]["name"] for c in listed} == {
        str(customers[o].owner) for o in VISIBLE[username]
    }
    for owner, customer in customers.items():
        response = client.get(f"/api/v1/customers/{customer.pk}")
        if owner in VISIBLE[username]:
            assert response.status_code == 200
        else:
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "customer.not_found"


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_api_search_follows_the_scope(client, company, customers, username):
    client.force_login(_user(company, username))
    for owner, customer in customers.items():
        found = client.get("/api/v1/customers", {"q": customer.name}).json()["items"]
        assert bool(found) == (owner in VISIBLE[username])


@pytest.mark.parametrize("username", sorted(CAN_CHANGE))
def test_api_update_follows_the_scope_and_a_denial_changes_nothing(
    client, company, customers, username
):
    client.force_login(_user(company, username))
    for owner, customer in customers.items():
        response = client.patch(
            f"/api/v1/customers/{customer.pk}",
            # Every customer gets the same name: each rename after the first is a known duplicate.
            {"name": "Renamed", "confirm_duplicate": True},
            content_type="application/json",
        )
        after = Customer.objects.get(pk=customer.pk)
        if owner in CAN_CHANGE[username]:
            assert response.status_code == 200, response.content
            assert after.name == "Renamed"
        else:
            assert response.status_code in (403, 404)
            assert after.name == customer.name
            assert after.updated_at == customer.updated_at


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_pages_follow_the_scope(client, company, customers, username):
    client.force_login(_user(company, username))
    listing = client.get("/customers/")
    assert listing.status_code == 200
    shown = {c.owner.username for c in listing.context["page"].object_list}
    assert shown == VISIBLE[username]
    for owner, customer in customers.items():
        detail = client.get(f"/customers/{customer.pk}/")
        history = client.get(f"/api/v1/customers/{customer.pk}/history")
        if owner in VISIBLE[username]:
            assert detail.status_code == 200
            assert history.status_code == 200
        else:
            assert detail.status_code == 404
            assert "web/error.html" in [t.name for t in detail.templates]
            assert history.status_code == 404


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_export_follows_the_scope(client, company, customers, username):
    client.force_login(_user(company, username))
    response = client.get("/customers/export.csv")
    if username == "mgr_east" or username in ALL_OWNERS or username in {"admin1", "fin"}:
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        for owner, customer in customers.items():
            assert (customer.code in body) == (owner in VISIBLE[username])
    else:
        # The viewer role may look but not export.
        assert response.status_code == 403


def test_page_edit_outside_scope_is_404_and_changes_nothing(client, company, customers):
    client.force_login(company.rep_east)
    theirs = customers["rep_south"]
    assert client.get(f"/customers/{theirs.pk}/edit/").status_code == 404
    response = client.post(
        f"/customers/{theirs.pk}/edit/",
        {"code": theirs.code, "name": "Hijacked", "currency": "CNY", "status": "active"},
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=theirs.pk).name == theirs.name


def test_viewer_cannot_create(client, company):
    client.force_login(company.viewer)
    response = client.post(
        "/api/v1/customers",
        {"code": "V1", "name": "View only", "currency": "CNY"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission.denied"
    assert client.get("/customers/new/").status_code == 403
    assert not Customer.objects.filter(code="V1").exists()


def test_rep_cannot_give_a_customer_to_someone_outside_their_scope(client, company, customers):
    client.force_login(company.rep_east)
    mine = customers["rep_east"]
    response = client.patch(
        f"/api/v1/customers/{mine.pk}",
        {"owner_id": company.rep_south.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "customer.owner_outside_scope"
    assert Customer.objects.get(pk=mine.pk).owner == company.rep_east


def test_manager_hands_a_customer_over_within_the_team(client, company, customers):
    client.force_login(company.manager_east)
    theirs = customers["rep_east"]
    response = client.patch(
        f"/api/v1/customers/{theirs.pk}",
        {"owner_id": company.rep_east_sub.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    moved = Customer.objects.get(pk=theirs.pk)
    assert moved.owner == company.rep_east_sub
    assert moved.team == company.east_sub  # follows the new owner's team
    outside = client.patch(
        f"/api/v1/customers/{theirs.pk}",
        {"owner_id": company.rep_south.pk},
        content_type="application/json",
    )
    assert outside.status_code == 403
