"""Collection performance and the credit settings through the browser: finance opens the
reports, goes to the collection performance tab, picks a period and reads the CEI per
collector and per rep in both languages; the administrator adds a score band on the credit
settings page and a wrong one is refused with its code.

Data is made beforehand through the services (the reports' book of receivables); after
that, everything goes through the pages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cashloop.collections.services import customer_dunning_set
from cashloop.credit.models import CreditBandPolicy
from cashloop.reports.tests.conftest import book  # noqa: F401 (the fixture)
from tests.e2e.test_credit_hold import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_reads_collection_performance(page, shoot, live_server, company, book):  # noqa: F811
    customer_dunning_set(
        actor=company.admin, customer_id=book.a.pk, collector_id=company.finance.pk
    )
    base = live_server.url
    sign_in(page, base, company.finance.username, "en")
    page.goto(f"{base}/reports/")
    page.get_by_test_id("tab-performance").click()
    form = page.get_by_test_id("performance-filters")
    form.locator("input[name=from]").fill("2026-03-01")
    form.locator("input[name=to]").fill("2026-03-31")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("cei-total")).to_have_text("41.0%")
    expect(page.get_by_test_id("collectors")).to_contain_text("42.1%")
    expect(page.get_by_test_id("reps")).to_contain_text("799.99")
    expect(page.get_by_test_id("performance-chart")).to_be_visible()
    shoot("performance", both=True)


def test_admin_adds_a_score_band(page, shoot, live_server, company):
    base = live_server.url
    sign_in(page, base, company.admin.username, "en")
    page.goto(f"{base}/credit/settings/")
    form = page.get_by_test_id("band-form")
    form.locator("#id_name").fill("高风险 High risk")
    form.locator("#id_score_from").fill("0")
    form.locator("#id_score_to").fill("39")
    form.locator("#id_require_prepayment").check()
    form.locator("#id_limit_amount").fill("1000")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("bands")).to_contain_text("高风险 High risk")
    form = page.get_by_test_id("band-form")
    form.locator("#id_name").fill("Overlap")
    form.locator("#id_score_from").fill("30")
    form.locator("#id_score_to").fill("50")
    form.locator("#id_payment_terms_days").fill("15")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("band-form")).to_contain_text("credit_band.overlap")
    shoot("refused")  # the answer to a POST: no language switch back to it
    assert CreditBandPolicy.objects.count() == 1
    page.goto(f"{base}/credit/holds/")
    page.get_by_test_id("credit-settings-link").click()
    shoot("settings", both=True)
