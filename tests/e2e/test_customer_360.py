"""A rep opens the 360 page of a customer of the demo seed: figures, every section, the
lazy money panel, the links to the full lists, in English and Chinese."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import expect

from cashloop.customers.models import Customer
from cashloop.identity.models import User
from tests.e2e.test_customer_flow import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Customer-360-2026"


def test_rep_reads_a_seeded_customers_360(page, shoot, live_server):
    base = live_server.url
    call_command("seed", "--size", "demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    rep = User.objects.get(username="sun.li")
    rep.set_password(PASSWORD)
    rep.save(update_fields=["password"])
    customer = (
        Customer.objects.filter(owner=rep)
        .annotate(n=Count("invoices", distinct=True) + Count("opportunities", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    other = Customer.objects.exclude(owner=rep).exclude(owner=None).first()

    page.goto(f"{base}/login/")
    sign_in(page, rep.username, PASSWORD)
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-name")).to_have_text(customer.name)
    figures = page.get_by_test_id("customer-figures")
    for testid in (
        "figure-revenue",
        "figure-collected",
        "figure-outstanding",
        "figure-advances",
        "figure-days-to-pay",
        "figure-last-interaction",
        "figure-next-action",
    ):
        expect(figures.get_by_test_id(testid)).to_be_visible()
    for testid in (
        "contacts",
        "interactions",
        "opportunities",
        "contracts",
        "invoices",
        "payments",
        "aging",
        "history",
    ):
        expect(page.get_by_test_id(testid)).to_be_attached()
    expect(page.get_by_test_id("credit-panel")).to_be_visible()
    expect(page.get_by_test_id("customer-money")).to_be_visible()  # the lazy panel came in
    expect(page.get_by_test_id("invoices").locator("tbody tr").first).to_be_visible()
    shoot("customer-360", both=True)

    # A section tab jumps to its section; "new opportunity" starts one for this customer.
    page.get_by_test_id("sections").get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(f"{base}/customers/{customer.pk}/#invoices")
    page.get_by_test_id("new-opportunity").click()
    expect(page.locator("#id_customer")).to_have_value(str(customer.pk))

    # Another rep's customer does not exist for this rep.
    assert page.goto(f"{base}/customers/{other.pk}/").status == 404
