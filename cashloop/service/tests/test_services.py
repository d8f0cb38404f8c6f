"""Ticket services: numbers and SLA, links, the workflow, replies, reminders, the hold policy,
and the overdue warning."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.credit.services import credit_hold_place
from cashloop.notifications.models import Notification
from cashloop.receivables.services import allocation_create
from cashloop.receivables.tests.test_services import issued, line, pay
from cashloop.service import services
from cashloop.service.models import ServiceSettings, Ticket, TicketMessage
from cashloop.service.selectors import customer_overdue_warning, customer_tickets
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal
NOW = timezone.make_aware(datetime(2026, 11, 2, 9, 0))


def code_of(exc_info) -> str:
    return exc_info.value.code.code


def open_ticket(agent, customer, **kwargs):
    kwargs.setdefault("subject", "打印机卡纸 Printer jams")
    return services.ticket_create(actor=agent, customer_id=customer.pk, now=NOW, **kwargs)


def test_ticket_gets_a_number_sla_dates_from_priority_and_an_audit_row(agent, clean):
    ticket = open_ticket(agent, clean, priority="urgent")
    assert ticket.number == "TKT-2026-000001"
    assert ticket.status == "new"
    assert ticket.respond_by == NOW + timedelta(hours=1)
    assert ticket.resolve_by == NOW + timedelta(hours=8)
    assert open_ticket(agent, clean).number == "TKT-2026-000002"
    ticket_type = ContentType.objects.get_for_model(Ticket)
    assert AuditEntry.objects.filter(object_type=ticket_type, action="create").count() == 2


def test_a_new_priority_resets_the_sla_from_the_opening(agent, clean):
    ticket = open_ticket(agent, clean, priority="low")
    ticket = services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "high"})
    assert ticket.respond_by == NOW + timedelta(hours=4)
    assert ticket.resolve_by == NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ("contact_id", "ticket.contact_mismatch"),
        ("contract_id", "ticket.contract_mismatch"),
        ("product_id", "ticket.product_not_found"),
    ],
)
def test_links_must_be_the_customers_own(agent, clean, owing, link, code):
    # Another customer's contact, and ids that exist for no one.
    value = ContactFactory(customer=owing).pk if link == "contact_id" else 999_999
    with pytest.raises(DomainError) as exc:
        open_ticket(agent, clean, **{link: value})
    assert code_of(exc) == code
    assert not Ticket.objects.exists()


def test_the_contact_of_the_same_customer_is_accepted(agent, clean):
    contact = ContactFactory(customer=clean)
    assert open_ticket(agent, clean, contact_id=contact.pk).contact == contact


def test_bad_priority_and_unknown_fields_are_refused(agent, clean):
    with pytest.raises(DomainError) as exc:
        open_ticket(agent, clean, priority="asap")
    assert code_of(exc) == "validation.invalid"
    ticket = open_ticket(agent, clean)
    with pytest.raises(DomainError) as exc:
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"customer_id": 1})
    assert code_of(exc) == "validation.unknown_field"


def test_who_may_open_tickets(company, clean, owing):
    with pytest.raises(DomainError) as exc:
        open_ticket(company.rep_east, owing)
    assert code_of(exc) == "permission.denied"
    # An admin opens for any customer; a customer out of the actor's sight is "not found".
    assert open_ticket(company.admin, clean).pk


def test_workflow_moves_and_refuses_bad_transitions(agent, clean):
    ticket = open_ticket(agent, clean)
    later = NOW + timedelta(hours=3)
    ticket = services.ticket_resolve(actor=agent, ticket_id=ticket.pk, now=later)
    assert (ticket.status, ticket.resolved_at) == ("resolved", later)
    with pytest.raises(DomainError) as exc:
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"status": "waiting"})
    assert code_of(exc) == "ticket.bad_transition"
    ticket = services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"status": "open"})
    assert (ticket.status, ticket.resolved_at) == ("open", None)
    ticket = services.ticket_close(actor=agent, ticket_id=ticket.pk, now=later)
    assert ticket.closed_at == ticket.resolved_at == later
    for attempt in (
        lambda: services.ticket_update(
            actor=agent, ticket_id=ticket.pk, changes={"status": "open"}
        ),
        lambda: services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="还在吗"),
        lambda: services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=None),
    ):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert code_of(exc) == "ticket.closed"


def test_first_public_reply_is_the_first_response(agent, clean):
    ticket = open_ticket(agent, clean)
    services.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body="内部：先查保修", internal=True, now=NOW
    )
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.status) == (None, "new")
    answered = NOW + timedelta(minutes=30)
    services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="您好，我们已收到。", now=answered)
    services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="工程师明天到。")
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.status) == (answered, "open")
    assert not ticket.response_late
    assert TicketMessage.objects.filter(ticket=ticket).count() == 3


def test_an_empty_reply_is_refused(agent, clean):
    ticket = open_ticket(agent, clean)
    with pytest.raises(DomainError) as exc:
        services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="   ")
    assert code_of(exc) == "ticket.empty_message"
    assert not TicketMessage.objects.exists()


def test_assigning_needs_an_agent_and_notifies_them(company, agent, clean):
    ticket = open_ticket(company.admin, clean)
    with pytest.raises(DomainError) as exc:
        services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=company.viewer.pk)
    assert code_of(exc) == "ticket.assignee_invalid"
    ticket = services.ticket_assign(actor=company.admin, ticket_id=ticket.pk, assignee_id=agent.pk)
    assert ticket.assignee == agent
    assert Notification.objects.filter(user=agent, url__endswith=f"/{ticket.pk}/").exists()


# --- the overdue warning -----------------------------------------------------------------


def test_warning_sums_overdue_installments_per_currency_and_names_the_owner(company, owing):
    warning = customer_overdue_warning(owing.pk, today=date(2026, 4, 19))
    assert [(a.currency, a.amount) for a in warning.amounts] == [("CNY", D("1130.00"))]
    assert (warning.oldest_days, warning.items) == (10, 1)
    assert (warning.collector, warning.collector_is_owner) == (company.rep_east, True)
    with translation.override("en"):
        assert warning.message == (
            "CN¥1,130.00 overdue (1 item, the oldest 10 days late). Owner: Rep_East"
        )
    # Not yet due the day it falls due; nothing for a customer who owes nothing.
    assert customer_overdue_warning(owing.pk, today=date(2026, 4, 9)) is None


def test_warning_names_the_collector_when_collections_knows_one(company, owing, monkeypatch):
    fake = SimpleNamespace(collector_of=lambda customer: company.finance)
    monkeypatch.setitem(sys.modules, "cashloop.collections.selectors", fake)
    warning = customer_overdue_warning(owing.pk, today=date(2026, 5, 1))
    assert (warning.collector, warning.collector_is_owner) == (company.finance, False)


def test_a_paid_invoice_raises_no_warning(company, clean):
    invoice = issued(company, clean, lines=[line("100.00", rate="0")])
    assert customer_overdue_warning(clean.pk, today=date(2026, 6, 1)) is not None
    payment = pay(company, clean, "100.00")
    allocation_create(
        actor=company.finance,
        installment_id=invoice.installments.get().pk,
        payment_id=payment.pk,
        amount=D("100.00"),
    )
    assert customer_overdue_warning(clean.pk, today=date(2026, 6, 1)) is None
    assert_verified()


def test_a_reply_may_end_with_a_payment_reminder(agent, owing, clean):
    ticket = open_ticket(agent, owing)
    with translation.override("en"):
        message = services.ticket_reply(
            actor=agent, ticket_id=ticket.pk, body="Fixed.", payment_reminder_added=True
        )
    assert message.body.startswith("Fixed.\n\n")
    assert "CN¥1,130.00" in message.body and "overdue" in message.body
    with translation.override("zh-hans"):
        message = services.ticket_reply(
            actor=agent, ticket_id=ticket.pk, body="已修复。", payment_reminder_added=True
        )
    assert "¥1,130.00" in message.body
    with pytest.raises(DomainError) as exc:
        services.ticket_reply(
            actor=agent,
            ticket_id=ticket.pk,
            body="note",
            internal=True,
            payment_reminder_added=True,
        )
    assert code_of(exc) == "ticket.reminder_internal"
    quiet = open_ticket(agent, clean)
    with pytest.raises(DomainError) as exc:
        services.ticket_reply(
            actor=agent, ticket_id=quiet.pk, body="ok", payment_reminder_added=True
        )
    assert code_of(exc) == "ticket.nothing_overdue"
    assert TicketMessage.objects.filter(ticket=quiet).count() == 0


# --- the hold policy ---------------------------------------------------------------------


def test_paid_service_for_a_customer_on_hold_is_refused_when_the_policy_says_so(
    company, agent, owing
):
    credit_hold_place(actor=None, customer_id=owing.pk, reason="逾期", source="overdue")
    # Policy off: served as usual.
    assert open_ticket(agent, owing, paid_service=True).paid_service
    services.service_settings_update(actor=company.admin, changes={"block_paid_on_hold": True})
    with pytest.raises(DomainError) as exc:
        open_ticket(agent, owing, paid_service=True)
    assert code_of(exc) == "ticket.customer_on_hold"
    assert Ticket.objects.count() == 1
    # Free support is never blocked.
    assert not open_ticket(agent, owing).paid_service


def test_only_admins_change_the_policy(agent):
    with pytest.raises(DomainError) as exc:
        services.service_settings_update(actor=agent, changes={"block_paid_on_hold": True})
    assert code_of(exc) == "permission.denied"
    assert not ServiceSettings.current().block_paid_on_hold


# --- the customer 360 panel --------------------------------------------------------------


def test_customer_tickets_lists_open_first_within_the_readers_scope(company, agent, owing):
    done = open_ticket(agent, owing, subject="旧问题")
    services.ticket_close(actor=agent, ticket_id=done.pk)
    live = open_ticket(agent, owing, subject="新问题")
    panel = customer_tickets(user=company.rep_east, customer_id=owing.pk)
    assert [t.pk for t in panel.tickets] == [live.pk, done.pk]
    assert (panel.open_count, panel.total) == (1, 2)
    assert customer_tickets(user=company.rep_south, customer_id=owing.pk).total == 0
    assert customer_tickets(user=company.viewer, customer_id=owing.pk) is None
    other = CustomerFactory(owner=company.rep_south)
    assert customer_tickets(user=company.rep_east, customer_id=other.pk).total == 0


def test_demo_tickets_start_with_customers_who_owe(company, owing, clean):
    import random

    from cashloop.service.seed import seed_tickets

    UserFactory(username="chen.jing", team=None, roles=["service_agent"])
    assert seed_tickets(rng=random.Random(1)) == 6
    assert Ticket.objects.filter(customer=owing).count() == 3
    assert Ticket.objects.filter(status="resolved").count() == 1
    assert Ticket.objects.exclude(first_response_at=None).count() == 3
