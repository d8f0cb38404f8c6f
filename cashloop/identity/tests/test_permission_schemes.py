"""Permission schemes: admin-edited roles, field rules, record shares, team-only scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.customers import selectors as customer_selectors
from cashloop.customers import services as customer_services
from cashloop.customers.models import Contact, Customer
from cashloop.identity import services
from cashloop.identity.migrations import _roles
from cashloop.identity.models import RecordShare, Role
from cashloop.identity.roles import BUILTIN_ROLES
from tests.factories import ContactFactory, CustomerFactory, UserFactory


def post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


def role(code: str) -> Role:
    return Role.objects.get(code=code)


@pytest.fixture
def demo_rules(company):
    """The issue's demo: tax ID hidden from sales reps, contact phones masked for agents."""
    services.role_update(
        actor=company.admin,
        role_id=role("sales_rep").pk,
        changes={"field_rules": {"customers.customer": {"tax_id": "hide"}}},
    )
    services.role_update(
        actor=company.admin,
        role_id=role("service_agent").pk,
        changes={"field_rules": {"customers.contact": {"phone": "mask"}}},
    )


# --- Field rules -------------------------------------------------------------------


def test_hidden_field_is_blank_for_the_rep_and_whole_for_finance(company, demo_rules):
    customer = CustomerFactory(owner=company.rep_east, tax_id="91310000ABCDEF1234")
    mine = customer_selectors.customer_get(user=company.rep_east, customer_id=customer.pk)
    assert mine.tax_id == ""
    theirs = customer_selectors.customer_get(user=company.finance, customer_id=customer.pk)
    assert theirs.tax_id == "91310000ABCDEF1234"


def test_masked_phone_keeps_last_digits_for_the_service_agent(company, demo_rules):
    agent = UserFactory(username="agent", team=None, roles=["service_agent"])
    contact = ContactFactory(customer=CustomerFactory(owner=company.rep_east), phone="13812345678")
    seen = customer_selectors.contact_get(user=agent, contact_id=contact.pk)
    assert seen.phone == "****5678"
    assert customer_selectors.contact_get(user=company.rep_east, contact_id=contact.pk).phone == (
        "13812345678"
    )


def test_saving_a_masked_row_keeps_the_real_value(company, demo_rules):
    customer = CustomerFactory(owner=company.rep_east, tax_id="TAX-REAL-1")
    customer_services.customer_update(
        actor=company.rep_east, customer_id=customer.pk, changes={"name": "改名 Ltd"}
    )
    customer.refresh_from_db()
    assert (customer.name, customer.tax_id) == ("改名 Ltd", "TAX-REAL-1")


def test_writing_a_hidden_field_is_refused_and_changes_nothing(company, demo_rules):
    customer = CustomerFactory(owner=company.rep_east, tax_id="TAX-REAL-2", name="Before")
    with pytest.raises(DomainError) as caught:
        customer_services.customer_update(
            actor=company.rep_east,
            customer_id=customer.pk,
            changes={"name": "After", "tax_id": "FORGED"},
        )
    assert caught.value.code.code == "permission.field_hidden"
    customer.refresh_from_db()
    assert (customer.name, customer.tax_id) == ("Before", "TAX-REAL-2")


def test_api_refuses_a_hidden_field_on_create_and_update(client, company, demo_rules):
    client.force_login(company.rep_east)
    payload = {"code": "HID1", "name": "Hidden Co", "currency": "CNY", "tax_id": "X1"}
    response = post(client, "/api/v1/customers", payload)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission.field_hidden"
    assert not Customer.objects.filter(code="HID1").exists()
    customer = CustomerFactory(owner=company.rep_east, tax_id="REAL")
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", {"tax_id": "NEW"}, content_type="application/json"
    )
    assert response.json()["error"]["code"] == "permission.field_hidden"
    customer.refresh_from_db()
    assert customer.tax_id == "REAL"


def test_api_answers_hidden_text_as_blank_and_masked_as_mask(client, company, demo_rules):
    customer = CustomerFactory(owner=company.rep_east, tax_id="SECRET-TAX-77")
    ContactFactory(customer=customer, phone="13900001111")
    client.force_login(company.rep_east)
    body = client.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["tax_id"] == ""
    assert "SECRET-TAX-77" not in client.get("/api/v1/customers").content.decode()
    agent = UserFactory(username="agent", team=None, roles=["service_agent"])
    client.force_login(agent)
    contacts = client.get(f"/api/v1/contacts?customer_id={customer.pk}").content.decode()
    assert "13900001111" not in contacts and "****1111" in contacts


def test_customer_page_form_and_export_drop_the_hidden_field(client, company, demo_rules):
    customer = CustomerFactory(owner=company.rep_east, tax_id="SECRET-TAX-88")
    client.force_login(company.rep_east)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "SECRET-TAX-88" not in page and 'data-testid="tax-id"' not in page
    form = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="tax_id"' not in form
    export = b"".join(client.get("/customers/export.csv").streaming_content).decode()
    assert "SECRET-TAX-88" not in export
    assert customer.code in export
    client.force_login(company.finance)
    export = b"".join(client.get("/customers/export.csv").streaming_content).decode()
    assert "SECRET-TAX-88" in export


# --- Roles: editing, validation, lock-out --------------------------------------------


def test_unknown_object_type_or_action_is_refused(client, company):
    client.force_login(company.admin)
    for grants in ({"nope.thing": ["view"]}, {"customers.customer": ["fly"]}):
        response = post(client, "/api/v1/roles", {"code": "x", "name": "X", "grants": grants})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "role.grant_unknown"
    response = post(
        client,
        "/api/v1/roles",
        {"code": "x", "name": "X", "field_rules": {"customers.customer": {"owner": "mask"}}},
    )
    assert response.json()["error"]["code"] == "role.field_rule_invalid"
    assert not Role.objects.filter(code="x").exists()


def test_roles_are_managed_by_role_admins_only(client, company):
    client.force_login(company.manager_east)
    assert client.get("/api/v1/roles").status_code == 403
    assert post(client, "/api/v1/roles", {"code": "x", "name": "X"}).status_code == 403
    client.force_login(company.admin)
    response = post(
        client,
        "/api/v1/roles",
        {
            "code": "auditor",
            "name": "Auditor",
            "data_scope": "all",
            "grants": {"receivables.invoice": ["view", "export"]},
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["grants"] == {"receivables.invoice": ["view", "export"]}


@pytest.mark.parametrize("how", ["edit_grants", "remove_roles", "deactivate", "delete_role"])
def test_a_change_that_locks_out_every_admin_is_refused(company, how):
    if how == "delete_role":
        custom = services.role_create(
            actor=company.admin, code="keeper", name="Keeper", grants={"identity.role": ["manage"]}
        )
        services.user_roles_set(actor=company.admin, user_id=company.admin.pk, role_ids=[custom.pk])
    admin_role = role("admin")
    before = (dict(admin_role.grants), list(company.admin.roles.values_list("code", flat=True)))
    with pytest.raises(DomainError) as caught:
        if how == "edit_grants":
            services.role_update(
                actor=company.admin, role_id=admin_role.pk, changes={"grants": {"*": ["view"]}}
            )
        elif how == "remove_roles":
            services.user_roles_set(actor=company.admin, user_id=company.admin.pk, role_ids=[])
        elif how == "deactivate":
            services.user_set_active(actor=company.admin, user_id=company.admin.pk, is_active=False)
        else:
            services.role_delete(actor=company.admin, role_id=role("keeper").pk)
    assert caught.value.code.code == "identity.last_admin"
    admin_role.refresh_from_db()
    company.admin.refresh_from_db()
    assert company.admin.is_active
    assert (dict(admin_role.grants), list(company.admin.roles.values_list("code", flat=True))) == (
        before
    )


def test_lockout_over_the_api(client, company):
    client.force_login(company.admin)
    response = client.put(
        f"/api/v1/users/{company.admin.pk}/roles", {"role_ids": []}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "identity.last_admin"
    assert list(company.admin.roles.values_list("code", flat=True)) == ["admin"]


def test_builtin_role_cannot_be_deleted(client, company):
    client.force_login(company.admin)
    response = client.delete(f"/api/v1/roles/{role('viewer').pk}")
    assert response.json()["error"]["code"] == "role.builtin"


# --- Install: additive for roles an admin edited --------------------------------------


def test_install_keeps_admin_edits_and_adds_what_roles_py_gained(company, monkeypatch):
    rep = role("sales_rep")
    grants = {k: list(v) for k, v in rep.grants.items()}
    grants["customers.customer"].remove("export")
    services.role_update(
        actor=company.admin, role_id=rep.pk, changes={"grants": grants, "name": "Rep"}
    )
    spec = BUILTIN_ROLES["sales_rep"]
    new_spec = {**spec, "grants": {**spec["grants"], "customers.tag": ["view"]}}
    monkeypatch.setitem(BUILTIN_ROLES, "sales_rep", new_spec)
    _roles.install(apps, None)
    rep.refresh_from_db()
    assert "export" not in rep.grants["customers.customer"]  # the admin's removal stays
    assert rep.grants["customers.tag"] == ["view"]  # roles.py's addition lands
    assert rep.name == "Rep"


def test_fresh_install_matches_roles_py(db):
    for code, spec in BUILTIN_ROLES.items():
        assert role(code).grants == spec["grants"]
        assert role(code).data_scope == spec["data_scope"]


# --- Record sharing --------------------------------------------------------------------


def test_read_share_widens_view_not_change(company, customers):
    target = customers["rep_east"]
    contact = ContactFactory(customer=target)
    assert not Customer.objects.restrict(company.rep_south).filter(pk=target.pk).exists()
    services.share_create(
        actor=company.rep_east, customer_id=target.pk, user_id=company.rep_south.pk
    )
    assert Customer.objects.restrict(company.rep_south).filter(pk=target.pk).exists()
    assert Contact.objects.restrict(company.rep_south).filter(pk=contact.pk).exists()
    with pytest.raises(DomainError) as caught:
        customer_services.customer_update(
            actor=company.rep_south, customer_id=target.pk, changes={"name": "Nope"}
        )
    assert caught.value.status == 404


def test_read_write_share_lets_change_but_never_beyond_the_roles(company, customers):
    target = customers["rep_east"]
    services.share_create(
        actor=company.rep_east,
        customer_id=target.pk,
        user_id=company.viewer.pk,
        access="read_write",
    )
    services.share_create(
        actor=company.rep_east,
        customer_id=target.pk,
        team_id=company.south.pk,
        access="read_write",
    )
    customer_services.customer_update(
        actor=company.rep_south, customer_id=target.pk, changes={"name": "Shared edit"}
    )
    # The viewer's roles grant no change on customers: a share does not add it.
    with pytest.raises(DomainError) as caught:
        customer_services.customer_update(
            actor=company.viewer, customer_id=target.pk, changes={"name": "Viewer edit"}
        )
    assert caught.value.code.code == "permission.denied"
    assert not Customer.objects.restrict(company.rep_south, "delete").filter(pk=target.pk).exists()


def test_expired_share_stops_working_without_a_job(company, customers):
    target = customers["rep_east"]
    share = services.share_create(
        actor=company.rep_east,
        customer_id=target.pk,
        user_id=company.rep_south.pk,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    RecordShare.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    company.rep_south.refresh_from_db()
    fresh = type(company.rep_south).objects.get(pk=company.rep_south.pk)
    assert not Customer.objects.restrict(fresh).filter(pk=target.pk).exists()


@pytest.mark.parametrize(
    "payload, code",
    [
        ({}, "share.target_invalid"),
        ({"user_id": "USER", "team_id": "TEAM"}, "share.target_invalid"),
        ({"user_id": "USER", "expires_at": "2000-01-01T00:00:00Z"}, "share.expiry_past"),
    ],
)
def test_bad_shares_are_refused(client, company, customers, payload, code):
    ids = {"USER": company.rep_south.pk, "TEAM": company.south.pk}
    payload = {k: ids.get(v, v) for k, v in payload.items()}
    client.force_login(company.rep_east)
    response = post(client, f"/api/v1/customers/{customers['rep_east'].pk}/shares", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code
    assert not RecordShare.objects.exists()


def test_only_who_may_change_the_customer_shares_it(client, company, customers):
    target = customers["rep_east"]
    client.force_login(company.rep_south)
    response = post(client, f"/api/v1/customers/{target.pk}/shares", {"user_id": company.viewer.pk})
    assert response.status_code == 404
    services.share_create(
        actor=company.rep_east,
        customer_id=target.pk,
        user_id=company.rep_south.pk,
        access="read_write",
    )
    response = post(client, f"/api/v1/customers/{target.pk}/shares", {"user_id": company.viewer.pk})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "share.not_allowed"
    client.force_login(company.manager_east)
    response = post(client, f"/api/v1/customers/{target.pk}/shares", {"team_id": company.south.pk})
    assert response.status_code == 201
    assert RecordShare.objects.count() == 2


def test_share_panel_on_the_customer_page(client, company, customers):
    target = customers["rep_east"]
    client.force_login(company.rep_east)
    response = client.post(
        f"/customers/{target.pk}/shares/", {"user": company.rep_south.pk, "access": "read"}
    )
    assert response.status_code == 302
    page = client.get(f"/customers/{target.pk}/").content.decode()
    assert 'data-testid="shares"' in page and str(company.rep_south) in page


# --- Team-only scope ------------------------------------------------------------------


def test_team_only_scope_leaves_out_sub_teams(company, customers):
    lead = services.role_create(
        actor=company.admin,
        code="team_lead",
        name="Team lead",
        data_scope="team_only",
        grants={"customers.customer": ["view"]},
    )
    user = UserFactory(username="lead_east", team=company.east, roles=[lead.code])
    seen = set(Customer.objects.restrict(user).values_list("pk", flat=True))
    assert seen == {customers["rep_east"].pk}
    assert customers["rep_sub"].pk in set(
        Customer.objects.restrict(company.manager_east).values_list("pk", flat=True)
    )


# --- Settings pages -------------------------------------------------------------------


def test_roles_editor_page_hides_a_field(client, company):
    client.force_login(company.admin)
    rep = role("sales_rep")
    page = client.get(f"/settings/roles/{rep.pk}/")
    assert page.status_code == 200
    data = {
        "name": rep.name,
        "data_scope": rep.data_scope,
        "rule:customers.customer:tax_id": "hide",
    }
    for object_type, actions in rep.grants.items():
        for action in actions:
            data[f"grant:{object_type}:{action}"] = "on"
    response = client.post(f"/settings/roles/{rep.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rep.refresh_from_db()
    assert rep.field_rules == {"customers.customer": {"tax_id": "hide"}}
    assert rep.grants == BUILTIN_ROLES["sales_rep"]["grants"]


def test_settings_pages_are_for_role_admins(client, company):
    client.force_login(company.rep_east)
    for url in ("/settings/roles/", "/settings/roles/new/", "/settings/users/roles/"):
        assert client.get(url).status_code == 403
    client.force_login(company.admin)
    for url in ("/settings/roles/", "/settings/roles/new/", "/settings/users/roles/"):
        assert client.get(url).status_code == 200


def test_assign_roles_page_sets_several_roles(client, company):
    client.force_login(company.admin)
    ids = [role("sales_rep").pk, role("collector").pk]
    response = client.post("/settings/users/roles/", {"user": company.viewer.pk, "roles": ids})
    assert response.status_code == 302
    assert sorted(company.viewer.roles.values_list("code", flat=True)) == ["collector", "sales_rep"]
