"""The top-bar search (customers and contacts, scoped) and the interaction pages."""

from datetime import timedelta

from django.utils import timezone

from cashloop.customers import services
from cashloop.customers.models import Interaction
from tests.factories import ContactFactory


def test_search_finds_customer_by_phone_in_any_format_and_by_chinese_substring(
    client, company, customers
):
    customer = customers["rep_east"]
    customer.name = "上海启明电子有限公司"
    customer.save()
    ContactFactory(customer=customer, name="王伟", phone="138 0013 8000", phone_key="13800138000")
    client.force_login(company.rep_east)
    body = client.get("/api/v1/search", {"q": "+86-138-0013-8000"}).json()
    assert {g["key"] for g in body} == {"customers", "contacts"}
    assert body[0]["hits"][0]["url"] == f"/customers/{customer.pk}/"
    body = client.get("/api/v1/search", {"q": "启明电子"}).json()
    assert [g["key"] for g in body] == ["customers"]
    page = client.get("/search/", {"q": "王伟"})
    assert page.status_code == 200
    # The customer is found through its contact, and the contact itself.
    assert [g.key for g in page.context["groups"]] == ["customers", "contacts"]


def test_search_respects_data_scope(client, company, customers):
    client.force_login(company.rep_south)
    name = customers["rep_east"].name
    assert client.get("/api/v1/search", {"q": name}).json() == []
    page = client.get("/search/", {"q": name})
    assert b'data-testid="search-empty"' in page.content
    client.force_login(company.manager_east)
    assert client.get("/api/v1/search", {"q": name}).json()[0]["key"] == "customers"


def test_search_api_refuses_bad_limit_and_empty_query_finds_nothing(client, company):
    client.force_login(company.rep_east)
    response = client.get("/api/v1/search", {"q": "x", "limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"
    assert client.get("/api/v1/search", {"q": "  "}).json() == []


def test_detail_page_logs_an_interaction_with_htmx(client, company, customers):
    customer = customers["rep_east"]
    contact = ContactFactory(customer=customer)
    client.force_login(company.rep_east)
    page = client.get(f"/customers/{customer.pk}/")
    assert b'data-testid="interaction-form"' in page.content
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/customers/{customer.pk}/interactions/new/",
        {
            "kind": "visit",
            "occurred_at": now,
            "summary": "现场拜访",
            "contacts": [contact.pk],
            "next_step": "发送报价单",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "现场拜访" in response.content.decode()
    assert Interaction.objects.get().contacts.get() == contact


def test_detail_page_shows_refusals_in_the_form(client, company, customers):
    customer = customers["rep_east"]
    client.force_login(company.rep_east)
    response = client.post(
        f"/customers/{customer.pk}/interactions/new/",
        {
            "kind": "call",
            "occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "summary": "x",
            "next_step_date": timezone.localdate().isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "interaction.next_step_date_without_step" in response.content.decode() or (
        response.context["interaction_form"].errors
    )
    assert not Interaction.objects.exists()


def test_viewer_sees_the_timeline_but_no_form(client, company, customers):
    customer = customers["rep_east"]
    services.interaction_create(
        actor=company.rep_east, customer_id=customer.pk, kind="note", summary="备注"
    )
    client.force_login(company.viewer)
    page = client.get(f"/customers/{customer.pk}/")
    assert "备注" in page.content.decode()
    assert b'data-testid="interaction-form"' not in page.content
    response = client.post(
        f"/customers/{customer.pk}/interactions/new/", {"kind": "note", "summary": "x"}
    )
    assert response.status_code in (200, 403)
    assert Interaction.objects.count() == 1


def test_todo_page_marks_a_step_done(client, company, customers):
    interaction = services.interaction_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        kind="call",
        summary="s",
        next_step="回电",
        next_step_date=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(company.rep_east)
    page = client.get("/customers/todo/")
    assert list(page.context["page"].object_list) == [interaction]
    assert "回电" in page.content.decode()
    response = client.post(
        f"/customers/interactions/{interaction.pk}/done/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response.content == b""
    assert Interaction.objects.get().next_step_done is True
    client.force_login(company.rep_south)
    assert client.post(f"/customers/interactions/{interaction.pk}/done/").status_code == 404
