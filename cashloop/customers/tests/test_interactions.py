"""Interactions (跟进记录): logging, editing, next steps, the to-do list; every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cashloop.core.models import AuditEntry
from cashloop.customers import services
from cashloop.customers.models import Customer, Interaction
from cashloop.customers.selectors import interaction_todo
from tests.factories import ContactFactory, UserFactory


def post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


@pytest.fixture
def logged(company, customers):
    """One call on rep_east's customer with an open next step due tomorrow."""
    customer = customers["rep_east"]
    contact = ContactFactory(customer=customer)
    return services.interaction_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        kind="call",
        summary="Discussed the renewal",
        contact_ids=[contact.pk],
        next_step="Send the quote",
        next_step_date=timezone.localdate() + timedelta(days=1),
    )


def test_create_sets_last_interaction_and_audits_on_the_customer(company, customers, logged):
    customer = Customer.objects.get(pk=customers["rep_east"].pk)
    assert customer.last_interaction_at == logged.occurred_at
    assert customer.updated_at == customers["rep_east"].updated_at  # not an edit of it
    entry = AuditEntry.objects.get(object_type__model="interaction", object_id=str(logged.pk))
    assert entry.subject_id == str(customer.pk)
    assert entry.changes["summary"] == [None, "Discussed the renewal"]
    assert len(entry.changes["contacts"][1]) == 1


def test_an_older_interaction_does_not_move_last_interaction_back(company, customers, logged):
    services.interaction_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        kind="note",
        summary="Back-filled note",
        occurred_at=timezone.localdate() - timedelta(days=30),
    )
    customer = Customer.objects.get(pk=customers["rep_east"].pk)
    assert customer.last_interaction_at == logged.occurred_at


def test_api_create_with_a_bare_date_and_list_by_customer(client, company, customers):
    client.force_login(company.rep_east)
    customer = customers["rep_east"]
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = post(
        client,
        "/api/v1/interactions",
        {
            "customer_id": customer.pk,
            "kind": "visit",
            "occurred_at": day,
            "summary": "现场拜访",
            "user_ids": [company.manager_east.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["users"] == [{"id": company.manager_east.pk, "name": str(company.manager_east)}]
    assert timezone.localtime(Interaction.objects.get().occurred_at).date().isoformat() == day
    items = client.get("/api/v1/interactions", {"customer_id": customer.pk}).json()["items"]
    assert [i["id"] for i in items] == [body["id"]]


BAD = [
    ("contact_ids", "other_contact", "interaction.contact_of_other_customer", 422),
    ("next_step_date", "date_only", "interaction.next_step_date_without_step", 422),
    ("occurred_at", "tomorrow", "interaction.in_future", 422),
    ("user_ids", "outsider", "interaction.user_cannot_view_customer", 422),
    ("user_ids", "inactive", "interaction.user_cannot_view_customer", 422),
    ("kind", "bad_kind", "request.invalid", 422),
    ("summary", "empty", "request.invalid", 422),
]


def _bad_value(what, company, customers):
    tomorrow = timezone.localdate() + timedelta(days=1)
    return {
        "other_contact": [ContactFactory(customer=customers["rep_south"]).pk],
        "date_only": tomorrow.isoformat(),
        "tomorrow": (timezone.now() + timedelta(days=1, hours=1)).isoformat(),
        "outsider": [company.rep_south.pk],
        "inactive": [UserFactory(team=company.east, roles=["sales_manager"], is_active=False).pk],
        "bad_kind": "telegram",
        "empty": "",
    }[what]


@pytest.mark.parametrize(("field", "what", "code", "status"), BAD)
def test_api_create_refuses_bad_input_and_changes_nothing(
    client, company, customers, field, what, code, status
):
    client.force_login(company.rep_east)
    payload = {"customer_id": customers["rep_east"].pk, "kind": "call", "summary": "x"}
    payload[field] = _bad_value(what, company, customers)
    response = post(client, "/api/v1/interactions", payload)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Interaction.objects.exists()
    assert Customer.objects.get(pk=customers["rep_east"].pk).last_interaction_at is None


def test_api_create_on_a_customer_outside_scope_is_not_found(client, company, customers):
    client.force_login(company.rep_east)
    payload = {"customer_id": customers["rep_south"].pk, "kind": "call", "summary": "x"}
    response = post(client, "/api/v1/interactions", payload)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer.not_found"


def test_viewer_may_not_log_and_finance_logs_its_collection_calls(
    client, company, customers, logged
):
    payload = {"customer_id": customers["rep_east"].pk, "kind": "call", "summary": "x"}
    client.force_login(company.viewer)
    response = post(client, "/api/v1/interactions", payload)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission.denied"
    assert [i["id"] for i in client.get("/api/v1/interactions").json()["items"]] == [logged.pk]
    # Finance calls customers about money (decision 050): it logs the call like a collector.
    client.force_login(company.finance)
    assert post(client, "/api/v1/interactions", payload).status_code == 201


def test_other_reps_do_not_see_the_interaction(client, company, logged):
    client.force_login(company.rep_south)
    assert client.get("/api/v1/interactions").json()["items"] == []
    assert client.get(f"/api/v1/interactions/{logged.pk}").status_code == 404


def test_update_by_author_and_manager_but_not_the_owner_who_did_not_log_it(
    client, company, customers
):
    collector = UserFactory(team=None, roles=["collector"])
    interaction = services.interaction_create(
        actor=collector, customer_id=customers["rep_east"].pk, kind="call", summary="Dunning call"
    )
    url = f"/api/v1/interactions/{interaction.pk}"
    client.force_login(company.rep_east)  # owns the customer, did not log it
    response = client.patch(url, {"summary": "edited"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "interaction.not_author"
    assert Interaction.objects.get().summary == "Dunning call"
    for user in (collector, company.manager_east):
        client.force_login(user)
        response = client.patch(url, {"summary": user.username}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["summary"] == user.username


def test_update_refuses_a_date_without_step_and_changes_nothing(client, company, logged):
    client.force_login(company.rep_east)
    response = client.patch(
        f"/api/v1/interactions/{logged.pk}",
        {"next_step": ""},
        content_type="application/json",
    )
    assert response.json()["error"]["code"] == "interaction.next_step_date_without_step"
    assert Interaction.objects.get().next_step == "Send the quote"


def test_update_recomputes_last_interaction(client, company, customers, logged):
    client.force_login(company.rep_east)
    earlier = timezone.now() - timedelta(days=10)
    response = client.patch(
        f"/api/v1/interactions/{logged.pk}",
        {"occurred_at": earlier.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    customer = Customer.objects.get(pk=customers["rep_east"].pk)
    assert abs(customer.last_interaction_at - earlier) < timedelta(seconds=1)


def test_todo_lists_open_steps_overdue_first_and_done_removes_them(client, company, customers):
    customer = customers["rep_east"]
    today = timezone.localdate()

    def log(step, due, actor=company.rep_east, cust=customer):
        return services.interaction_create(
            actor=actor,
            customer_id=cust.pk,
            kind="note",
            summary="s",
            next_step=step,
            next_step_date=due,
        )

    later = log("later", today + timedelta(days=5))
    overdue = log("overdue", today - timedelta(days=3))
    undated = log("undated", None)
    log("", None)  # no step: not a to-do
    sub = log("sub's", today, actor=company.rep_east_sub, cust=customers["rep_sub"])

    assert list(interaction_todo(user=company.rep_east)) == [overdue, later, undated]
    # The manager of East sees the sub-team's steps too.
    assert list(interaction_todo(user=company.manager_east)) == [overdue, sub, later, undated]

    client.force_login(company.rep_east)
    todo = client.get("/api/v1/interactions/todo").json()["items"]
    assert [i["next_step"] for i in todo] == ["overdue", "later", "undated"]
    response = post(client, f"/api/v1/interactions/{overdue.pk}/done", {})
    assert response.status_code == 200 and response.json()["next_step_done"] is True
    todo = client.get("/api/v1/interactions/todo").json()["items"]
    assert [i["next_step"] for i in todo] == ["later", "undated"]
    again = post(client, f"/api/v1/interactions/{overdue.pk}/done", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "interaction.no_open_step"


def test_the_owner_may_tick_off_a_step_someone_else_logged(client, company, customers):
    collector = UserFactory(team=None, roles=["collector"])
    interaction = services.interaction_create(
        actor=collector,
        customer_id=customers["rep_east"].pk,
        kind="call",
        summary="Promised to pay",
        next_step="Check the bank",
    )
    assert list(interaction_todo(user=company.rep_east)) == [interaction]
    assert list(interaction_todo(user=collector)) == [interaction]
    client.force_login(company.rep_east)
    response = post(client, f"/api/v1/interactions/{interaction.pk}/done", {})
    assert response.status_code == 200
    client.force_login(company.rep_south)
    response = post(client, f"/api/v1/interactions/{interaction.pk}/done", {})
    assert response.status_code == 404
