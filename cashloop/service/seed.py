"""Demo tickets: 陈静 of the service desk at work, first for customers who owe money.

Run after the receivables are seeded, so the overdue warning has something to say.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.models import Installment
from cashloop.receivables.services import OPEN_STATUSES
from cashloop.service.choices import TicketPriority
from cashloop.service.services import ticket_create, ticket_reply, ticket_resolve

PROBLEMS = (
    ("设备开机报警 Alarm at start-up", TicketPriority.HIGH, False),
    ("发票抬头更正 Invoice header correction", TicketPriority.LOW, False),
    ("上门更换滤芯 On-site filter replacement", TicketPriority.NORMAL, True),
    ("系统登录失败 Cannot sign in", TicketPriority.URGENT, False),
    ("年度保养预约 Annual maintenance visit", TicketPriority.NORMAL, True),
    ("培训资料索取 Training material request", TicketPriority.LOW, False),
)


def seed_tickets(*, rng: random.Random) -> int:
    """Six tickets, half for customers with overdue items; some answered, one resolved.
    -> tickets made."""
    agent = User.objects.get(username="chen.jing")
    today = timezone.localdate()
    overdue = Installment.objects.filter(
        invoice__customer=OuterRef("pk"),
        invoice__status__in=OPEN_STATUSES,
        residual__gt=0,
        due_date__lt=today,
    )
    owing = list(Customer.objects.filter(Exists(overdue)).order_by("code")[:3])
    others = list(Customer.objects.exclude(Exists(overdue)).order_by("code")[:3])
    customers = [c for pair in zip(owing, others, strict=False) for c in pair] or others
    now = timezone.now()
    made = 0
    for n, (subject, priority, paid) in enumerate(PROBLEMS):
        if not customers:
            break
        customer = customers[n % len(customers)]
        contact = customer.contacts.order_by("pk").first()
        opened = now - timedelta(hours=rng.randint(2, 72))
        ticket = ticket_create(
            actor=agent,
            customer_id=customer.pk,
            subject=subject,
            description="客户来电反映。 Reported by phone.",
            priority=priority,
            contact_id=contact.pk if contact else None,
            assignee_id=agent.pk,
            paid_service=paid,
            now=opened,
        )
        made += 1
        if n % 2 == 0:
            ticket_reply(
                actor=agent,
                ticket_id=ticket.pk,
                body="您好，已收到，工程师将尽快联系您。 We have it; an engineer will call you.",
                now=opened + timedelta(minutes=rng.randint(10, 90)),
            )
        if n == 1:
            ticket_resolve(
                actor=agent, ticket_id=ticket.pk, now=min(now, opened + timedelta(hours=5))
            )
    return made
