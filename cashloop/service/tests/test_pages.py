"""Service pages: the list with filters, a new ticket with the overdue warning (both
languages), a ticket's conversation, reply with a payment reminder, assign and status."""

from __future__ import annotations

import re

import pytest

from cashloop.service import services
from cashloop.service.models import Ticket, TicketMessage


@pytest.fixture
def page(client, agent):
    client.force_login(agent)
    return client


def warning_html(response) -> str:
    found = re.search(
        r'<div class="overdue-warning".*?</div>\s*</div>', response.content.decode(), re.S
    )
    return found.group(0) if found else ""


@pytest.mark.parametrize(("lang", "amount"), [("en", "CN¥1,130.00"), ("zh-hans", "¥1,130.00")])
def test_new_ticket_form_warns_once_the_customer_is_chosen(page, owing, clean, lang, amount):
    blank = page.get("/service/new/", HTTP_ACCEPT_LANGUAGE=lang)
    assert blank.status_code == 200 and not warning_html(blank)
    chosen = page.get(f"/service/new/?customer={owing.pk}&subject=x", HTTP_ACCEPT_LANGUAGE=lang)
    warning = warning_html(chosen)
    assert amount in warning and "Rep_East" in warning
    if lang == "en":
        assert "overdue" in warning
    assert f'lang="{lang}"' in chosen.content.decode()
    assert not warning_html(page.get(f"/service/new/?customer={clean.pk}"))


def test_open_a_ticket_through_the_form(page, agent, owing):
    response = page.post(
        "/service/new/",
        {"customer": owing.pk, "subject": "屏幕不亮", "priority": "high", "assignee": agent.pk},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/service/{ticket.pk}/"
    assert (ticket.priority, ticket.assignee) == ("high", agent)


def test_a_refused_ticket_shows_the_reason_on_the_form(page, company, owing):
    from cashloop.credit.services import credit_hold_place

    services.service_settings_update(actor=company.admin, changes={"block_paid_on_hold": True})
    credit_hold_place(actor=None, customer_id=owing.pk, reason="超限", source="limit")
    response = page.post(
        "/service/new/",
        {"customer": owing.pk, "subject": "上门维修", "priority": "normal", "paid_service": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "ticket.customer_on_hold" in response.content.decode()
    assert not Ticket.objects.exists()


def test_ticket_page_warns_and_replies_with_a_reminder(page, agent, owing):
    ticket = services.ticket_create(actor=agent, customer_id=owing.pk, subject="异响")
    detail = page.get(f"/service/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "CN¥1,130.00" in warning_html(detail)
    assert 'data-testid="reminder-option"' in detail.content.decode()
    response = page.post(
        f"/service/{ticket.pk}/reply/",
        {"body": "Engineer comes tomorrow.", "payment_reminder": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    message = TicketMessage.objects.get()
    assert "CN¥1,130.00" in message.body
    shown = page.get(f"/service/{ticket.pk}/").content.decode()
    assert "Engineer comes tomorrow." in shown
    empty = page.post(f"/service/{ticket.pk}/reply/", {"body": ""})
    assert empty.status_code == 422


def test_status_and_assign_from_the_page(page, company, agent, clean):
    ticket = services.ticket_create(actor=agent, customer_id=clean.pk, subject="咨询")
    page.post(f"/service/{ticket.pk}/status/", {"status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    response = page.post(f"/service/{ticket.pk}/status/", {"status": "waiting"}, follow=True)
    assert "ticket" in response.content.decode() and Ticket.objects.get().status == "resolved"
    bad = page.post(f"/service/{ticket.pk}/assign/", {"assignee": company.viewer.pk})
    assert bad.status_code == 422
    page.post(f"/service/{ticket.pk}/assign/", {"assignee": agent.pk})
    assert Ticket.objects.get().assignee == agent
    # No warning for a customer who owes nothing, and no reminder option.
    detail = page.get(f"/service/{ticket.pk}/").content.decode()
    assert "overdue-warning" not in detail and "reminder-option" not in detail


def test_list_filters_and_rights(client, company, agent, owing, clean):
    a = services.ticket_create(actor=agent, customer_id=owing.pk, subject="甲", priority="urgent")
    b = services.ticket_create(actor=agent, customer_id=clean.pk, subject="乙")
    client.force_login(agent)
    html = client.get("/service/").content.decode()
    assert a.number in html and b.number in html and 'data-testid="new-ticket"' in html
    html = client.get("/service/", {"priority": "urgent"}).content.decode()
    assert a.number in html and b.number not in html
    client.force_login(company.rep_east)
    html = client.get("/service/").content.decode()
    assert a.number in html and b.number not in html and 'data-testid="new-ticket"' not in html
    assert client.get("/service/new/").status_code == 403
    assert client.get(f"/service/{b.pk}/").status_code == 404
    client.force_login(company.viewer)
    assert client.get("/service/").status_code == 403


def test_list_and_detail_queries_do_not_grow_with_rows(page, agent, owing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        return len(ctx.captured_queries)

    ticket = services.ticket_create(actor=agent, customer_id=owing.pk, subject="一")
    services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="回复一")
    few_list, few_detail = count("/service/"), count(f"/service/{ticket.pk}/")
    for n in range(8):
        services.ticket_create(actor=agent, customer_id=owing.pk, subject=f"多{n}")
        services.ticket_reply(actor=agent, ticket_id=ticket.pk, body=f"回复{n}")
    assert count("/service/") == few_list
    assert count(f"/service/{ticket.pk}/") == few_detail
