"""Quote to cash through the browser, in English and in Chinese (issue #6's "Done when").

A rep builds a quote from the catalog with a discount above the rule's maximum, the sales
manager approves it in the approvals inbox, the customer accepts it; the rep turns the
draft contract's plan into 30% on signing and 70% ten days after the go-live acceptance in
the plan editor, the manager activates it, the rep records the acceptance; the daily
billing job (run as the worker runs it, not from a page) issues the invoices; finance
records the payment and allocates it, and the reconciliation shows the contract tied.

What an administrator sets up beforehand (catalog, price book, discount rule, approval
flow) is made with the services; everything after that goes through the pages, each step
signed in as the person who does it.  Screenshots: /tmp/shots/q2c_<lang>_<NN>_<step>.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise
from playwright.sync_api import Page, expect

from cashloop.contracts.choices import ContractStatus
from cashloop.contracts.models import Contract
from cashloop.contracts.tests.test_quote_to_cash_api import (
    FIRST,
    SECOND,
    TOTAL,
    Configured,
    catalog_setup,
    run_daily_billing,
)
from cashloop.cpq.choices import QuoteStatus
from cashloop.cpq.models import Quote
from cashloop.receivables.choices import InvoiceOrigin
from cashloop.receivables.models import Invoice
from tests.e2e.test_customer_flow import sign_in
from tests.factories import ContactFactory, CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-for-tests-1"  # the company fixture's users (tests/factories.py)


def said(lang: str, text: str | Promise) -> str:
    """A msgid, or a lazy label (a status with its context), as the page shows it in `lang`."""
    with translation.override(lang):
        return str(text) if isinstance(text, Promise) else translation.gettext(text)


class Journey:
    """The browser, the server and the language of one run of the journey."""

    def __init__(self, page: Page, base: str, lang: str) -> None:
        self.page, self.base, self.lang = page, base, lang
        self.step = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for stale in SHOTS.glob(f"q2c_{lang}_*.png"):
            stale.unlink()

    def as_user(self, username: str) -> None:
        """Sign out whoever is signed in, then sign in as `username` (the language cookie
        stays, so every person sees the run's language)."""
        page = self.page
        if page.get_by_test_id("whoami").count():
            page.locator("header form[action='/logout/'] button").click()
            expect(page.locator("#id_username")).to_be_visible()
        page.goto(f"{self.base}/login/")
        sign_in(page, username, PASSWORD)
        expect(page.get_by_test_id("whoami")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", self.lang)

    def shows(self, msgid: str) -> None:
        """The page shows `msgid` in the run's language (in Chinese: really translated)."""
        text = said(self.lang, msgid)
        if self.lang != "en":
            assert text != said("en", msgid), f"not translated: {msgid!r}"
        expect(self.page.locator("main")).to_contain_text(text)

    def shoot(self, name: str) -> None:
        self.step += 1
        # From the top: a page scrolled to a field draws its sticky bar mid-picture.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(
            path=SHOTS / f"q2c_{self.lang}_{self.step:02d}_{name}.png", full_page=True
        )


@pytest.fixture
def configured(company) -> Configured:
    """What an administrator set up beforehand: the catalog, price book, rule and flow."""
    return catalog_setup(company.admin)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_quote_to_cash(page, live_server, company, configured, lang):
    today = timezone.localdate()
    signed = today - timedelta(days=30)
    accepted_on = today - timedelta(days=10)  # + 10 days: the 70% falls due today
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    ContactFactory(customer=customer, email="buyer@qingshan.example")
    journey = Journey(page, live_server.url, lang)
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_test_id(f"lang-{lang}").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # 1. The rep builds the quote from the catalog: 15% off the licences (the rule allows 10%).
    journey.as_user("rep_east")
    page.goto(f"{base}/quotes/")
    page.get_by_test_id("new-quote").click()
    page.locator("#id_customer").select_option(str(customer.pk))
    page.get_by_test_id("quote-create").click()
    expect(page.get_by_test_id("builder-form")).to_be_visible()
    # The search box works once htmx (a deferred script) has read the page.
    page.wait_for_load_state("load")
    page.get_by_test_id("product-search").fill("ERP")
    page.get_by_test_id("add-product-ERP-STD").click()
    expect(page.get_by_test_id("builder-row-0")).to_be_visible()
    page.get_by_test_id("product-search").fill("IMPL")
    page.get_by_test_id("add-product-IMPL-DAY").click()
    # One licence less the rule's 5% (11,400 + 13% VAT) and one day (800 + 6%).
    expect(page.get_by_test_id("quote-total")).to_contain_text("13,730.00")
    # Each change reprices the lines, which replaces them: wait for each before the next.
    for field, value, total in [
        ("quantity-0", "2", "26,612.00"),
        ("discount-0", "15", "23,900.00"),  # 2 x 12,000 less 15%: 20,400 + VAT
        ("quantity-1", "10", "31,532.00"),  # 10 days: 8,000 + 6% VAT
    ]:
        page.get_by_test_id(field).fill(value)
        page.get_by_test_id(field).press("Tab")
        expect(page.get_by_test_id("quote-total")).to_contain_text(total)
    journey.shows("Save quote")
    journey.shoot("builder")
    page.get_by_test_id("save-quote").click()
    expect(page.get_by_test_id("detail-total")).to_contain_text("31,532.00")
    page.get_by_test_id("submit-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text(
        said(lang, QuoteStatus.PENDING_APPROVAL.label)
    )
    journey.shoot("quote-waiting")
    quote = Quote.objects.get()

    # 2. The sales manager approves the discount from the inbox.
    journey.as_user("mgr_east")
    page.goto(f"{base}/approvals/")
    page.get_by_test_id("waiting").locator("a").first.click()
    journey.shows("Approve")
    journey.shoot("approval")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("action-form")).to_have_count(0)

    # 3. The rep sends it and the customer accepts: the draft contract is made.
    journey.as_user("rep_east")
    page.goto(f"{base}/quotes/{quote.pk}/")
    page.get_by_test_id("send-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text(said(lang, QuoteStatus.SENT.label))
    page.get_by_test_id("accept-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text(said(lang, QuoteStatus.ACCEPTED.label))
    journey.shoot("quote-accepted")

    # 4. The rep opens the draft and edits its plan: 30% on signing, 70% on acceptance.
    page.get_by_test_id("quote-contract").locator("a").click()
    expect(page.get_by_test_id("contract-total")).to_contain_text("31,532.00")
    page.get_by_test_id("edit-contract").click()
    page.locator("#id_signing_date").fill(signed.isoformat())
    page.locator("#id_start_date").fill(signed.isoformat())
    page.get_by_test_id("add-milestone").click()
    page.locator("#id_milestones-0-name").fill("上线验收 Go-live acceptance")
    page.locator("#id_milestones-0-planned_date").fill(accepted_on.isoformat())
    page.get_by_test_id("add-installment").click()
    page.locator("#id_plan-0-label").fill("预付款 Advance")
    page.locator("#id_plan-0-percent").fill("30")
    page.locator("#id_plan-0-due_rule").select_option("on_signing")
    expect(page.get_by_test_id("remainder")).to_contain_text(f"{TOTAL - FIRST:,.2f}")  # 70% left
    page.get_by_test_id("add-installment").click()
    page.locator("#id_plan-1-label").fill("验收款 On acceptance")
    page.locator("#id_plan-1-percent").fill("70")
    page.locator("#id_plan-1-due_rule").select_option("on_milestone")
    page.locator("#id_plan-1-due_days").fill("10")
    page.locator("#id_plan-1-milestone").fill("1")
    # Leave the field and let its preview finish: the live server's threads share one
    # SQLite connection, and a preview's rollback must not take the save with it.
    with page.expect_response(lambda response: "/contracts/preview/" in response.url):
        page.locator("#id_plan-1-milestone").press("Tab")
    expect(page.get_by_test_id("remainder")).to_have_class(re.compile(r"\bok\b"))
    # (An earlier preview may answer first: wait for the one that sees the milestone.)
    expect(page.get_by_test_id("missing-milestones")).to_have_count(0)
    expect(page.get_by_test_id("preview-planned")).to_contain_text("31,532.00")
    journey.shows("Payment plan")
    journey.shoot("plan-editor")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("plan-2")).to_contain_text(f"{SECOND:,.2f}")
    contract = Contract.objects.get(quote=quote)

    # 5. The manager activates it: numbered, the advance due 30 days ago, the rest waiting.
    journey.as_user("mgr_east")
    page.goto(f"{base}/contracts/{contract.pk}/")
    page.get_by_test_id("activate-contract").click()
    expect(page.get_by_test_id("contract-number")).to_have_text(re.compile(r"CON-\d{4}-\d{6}"))
    expect(page.get_by_test_id("plan-1-due")).to_have_text(signed.isoformat())
    expect(page.get_by_test_id("plan-2-due")).to_have_text("—")
    journey.shows("Milestones")
    journey.shoot("contract-active")

    # 6. That night's billing run invoices the advance only: the acceptance has not come.
    assert run_daily_billing() == 1

    # 7. The rep records the customer's acceptance, dated the day of their signature.
    journey.as_user("rep_east")
    page.goto(f"{base}/contracts/{contract.pk}/")
    page.get_by_test_id("accept-date-1").fill(accepted_on.isoformat())
    page.get_by_test_id("accept-milestone-1").click()
    expect(page.get_by_test_id("plan-2-due")).to_have_text(today.isoformat())
    journey.shows("Accepted on")
    journey.shoot("milestone-accepted")

    # 8. The next run invoices the 70%: nobody typed an invoice.
    assert run_daily_billing() == 1
    first, second = Invoice.objects.order_by("pk")
    assert {first.origin, second.origin} == {InvoiceOrigin.CONTRACT}
    assert (first.total, second.total) == (FIRST, SECOND)

    # 9. Finance finds both on the contract and in the invoice list.
    journey.as_user("fin")
    page.goto(f"{base}/contracts/{contract.pk}/")
    expect(page.get_by_test_id("plan-1")).to_contain_text(first.number)
    expect(page.get_by_test_id("plan-2")).to_contain_text(second.number)
    journey.shows("Invoiced")
    journey.shoot("contract-invoiced")
    page.goto(f"{base}/invoices/?customer={customer.pk}")
    expect(page.get_by_test_id(f"invoice-row-{second.pk}")).to_contain_text(f"{SECOND:,.2f}")
    journey.shows("Invoices")
    journey.shoot("invoices")

    # 10. The customer pays the whole contract; finance records and allocates the payment.
    page.goto(f"{base}/payments/new/")
    page.locator("#id_customer").select_option(str(customer.pk))
    page.locator("#id_amount").fill(f"{TOTAL}")
    page.locator("#id_date").fill(today.isoformat())
    page.get_by_test_id("save-payment").click()
    expect(page.get_by_test_id("allocation-panel")).to_be_visible()
    page.get_by_test_id("allocate").click()
    expect(page.get_by_test_id("payment-unapplied")).to_contain_text("0.00")
    expect(page.get_by_test_id("allocation-table")).to_contain_text(second.number)
    journey.shows("Unapplied (advance)")
    journey.shoot("payment-allocated")

    # 11. The three-way reconciliation: contracted = invoiced = collected, and it ties.
    page.goto(f"{base}/billing/reconciliation/")
    row = page.get_by_test_id(f"reconciliation-row-{contract.pk}")
    expect(row).to_contain_text(f"{TOTAL:,.2f}")
    expect(page.get_by_test_id(f"ties-{contract.pk}")).to_contain_text(said(lang, "Ties"))
    journey.shows("Contract reconciliation")
    journey.shoot("reconciliation")

    contract.refresh_from_db()
    assert (contract.status, contract.invoiced) == (ContractStatus.ACTIVE, TOTAL)
    assert_verified()
