"""The dashboard's collections figures: overdue money by the dunning level its customer
stands at, and the promises to pay falling due today, scoped like everything else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from cashloop.collections.selectors import overdue_by_level, promises_due
from cashloop.collections.services import dunning_run, payment_promise_create
from cashloop.collections.tests.conftest import DUE, issue
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dunned(company, policy, debtor):
    """The debtor reached "Second reminder"; a second customer owes but was never dunned."""
    issue(company, debtor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        dunning_run(actor=None, today=DUE + timedelta(days=16), send=True)
    quiet = CustomerFactory(owner=company.rep_south, code="QUIET", name="安静客户")
    issue(company, quiet, price="500.00")
    return debtor, quiet


def test_overdue_money_is_grouped_by_the_level_its_customer_stands_at(company, dunned):
    rows = overdue_by_level(user=company.finance)
    assert [(r.level, r.customers, r.amount) for r in rows] == [
        ("", 1, Decimal("565.00")),
        ("Second reminder", 1, Decimal("1130.00")),
    ]
    # A rep reads only the customers it may see: rep_east owns the debtor, not the other.
    rows = overdue_by_level(user=company.rep_east)
    assert [(r.level, r.amount) for r in rows] == [("Second reminder", Decimal("1130.00"))]


def test_promises_due_today_are_summed_per_currency(company, dunned):
    debtor, quiet = dunned
    today = timezone.localdate()
    for customer, amount, day in (
        (debtor, "300.00", today),
        (quiet, "100.00", today + timedelta(days=1)),
    ):
        payment_promise_create(
            actor=company.finance,
            customer_id=customer.pk,
            amount=Decimal(amount),
            promised_date=day,
        )
    payment_promise_create(
        actor=company.finance,
        customer_id=quiet.pk,
        amount=Decimal("40.00"),
        currency="USD",
        promised_date=today,
    )
    due = promises_due(user=company.finance)
    assert due.count == 2
    assert due.amounts == [("CNY", Decimal("300.00")), ("USD", Decimal("40.00"))]
    # rep_south reads only her customer's promise: the debtor is not hers.
    assert promises_due(user=company.rep_south).amounts == [("USD", Decimal("40.00"))]


def test_the_dashboard_shows_both_to_finance_in_english_and_chinese(client, company, dunned):
    client.force_login(company.finance)
    for lang, title, fresh in (
        ("en", "Overdue by dunning level", "Not dunned yet"),
        ("zh-hans", "按催收级别的逾期", "尚未催收"),
    ):
        with translation.override(lang):
            html = client.get("/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        panel = html[html.index('data-testid="overdue-by-level"') :]
        panel = panel[: panel.index("</section>")]
        assert title in panel and fresh in panel and "Second reminder" in panel
        assert "¥1,130.00" in panel and "¥565.00" in panel
        assert 'data-testid="promises-due-card"' in html


def test_who_may_not_read_dunning_sees_neither(client, company, dunned):
    client.force_login(company.viewer)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dashboard" in html or "仪表盘" in html
    assert 'data-testid="overdue-by-level"' not in html
