"""Ledger pages: who sees what, reversing and closing through forms, verify, query counts."""

from datetime import date

import pytest
from django.test import override_settings
from django.utils import timezone

from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account, AccountingPeriod, JournalEntry, JournalLine
from cashloop.ledger.services import account_for_role
from cashloop.ledger.tests.test_api import invoice, state, usd_payment
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

PAGES = ["accounts", "account_new", "account_edit", "entries", "entry", "periods", "verify"]
READ_PAGES = {"accounts", "entries", "entry", "periods"}
ALLOWED = {
    "admin": set(PAGES),
    "finance": set(PAGES),
    "viewer": READ_PAGES,
    "rep_east": set(),
}


def url(page, entry, account):
    return {
        "accounts": "/ledger/accounts/",
        "account_new": "/ledger/accounts/new/",
        "account_edit": f"/ledger/accounts/{account.pk}/edit/",
        "entries": "/ledger/entries/",
        "entry": f"/ledger/entries/{entry.pk}/",
        "periods": "/ledger/periods/",
        "verify": "/ledger/verify/",
    }[page]


@override_settings(DEBUG=False)
@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_page_permission_matrix(client, company, role, page):
    entry = invoice()
    account = account_for_role(AccountRole.REVENUE)
    client.force_login(getattr(company, role))
    response = client.get(url(page, entry, account))
    expected = 200 if page in ALLOWED[role] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["viewer", "rep_east"])
def test_denied_writes_through_pages_change_nothing(client, company, role):
    entry = invoice()
    account = account_for_role(AccountRole.REVENUE)
    client.force_login(getattr(company, role))
    before = state()
    for path, data in [
        (f"/ledger/entries/{entry.pk}/reverse/", {"date": "2026-03-20"}),
        ("/ledger/periods/2026/3/close/", {}),
        ("/ledger/periods/2026/3/reopen/", {}),
        ("/ledger/accounts/new/", {"code": "9", "name_zh": "x", "name_en": "x", "type": "asset"}),
        (f"/ledger/accounts/{account.pk}/edit/", {"name_zh": "x", "name_en": "x"}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert state() == before


def test_login_required(client, db):
    response = client.get("/ledger/entries/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_viewer_sees_no_buttons_for_writes(client, company):
    entry = invoice()
    client.force_login(company.viewer)
    detail = client.get(f"/ledger/entries/{entry.pk}/").content.decode()
    assert 'data-testid="reverse-form"' not in detail
    periods = client.get("/ledger/periods/").content.decode()
    assert "/close/" not in periods
    accounts = client.get("/ledger/accounts/").content.decode()
    assert "/ledger/accounts/new/" not in accounts and "/edit/" not in accounts
    assert "/ledger/verify/" not in accounts  # the tab is only for finance and admins


def test_ledger_is_in_the_navigation(client, company):
    client.force_login(company.finance)
    response = client.get("/ledger/entries/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'href="/ledger/entries/"' in html
    assert response.context["nav_active"] == "ledger"


def test_journal_lists_entries_with_totals_and_filters(client, company):
    first = invoice("a", entry_date=date(2026, 1, 10))
    payment = usd_payment("b", entry_date=date(2026, 2, 10))
    client.force_login(company.finance)
    html = client.get("/ledger/entries/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.number in html and payment.number in html
    assert "1,130.00" in html and "720.00" in html
    filtered = client.get("/ledger/entries/", {"reason": "payment"})
    assert [e.number for e in filtered.context["page"].object_list] == [payment.number]
    dated = client.get("/ledger/entries/", {"date_to": "2026-01-31"})
    assert [e.number for e in dated.context["page"].object_list] == [first.number]
    # Values that do not parse are dropped, not an error page.
    bad = client.get("/ledger/entries/", {"date_from": "yesterday", "reason": "gift", "page": "x"})
    assert bad.status_code == 200 and len(bad.context["page"].object_list) == 2
    rows = client.get("/ledger/entries/", {"q": payment.number}, HTTP_HX_REQUEST="true")
    assert "<html" not in rows.content.decode() and payment.number in rows.content.decode()


def test_journal_paginates_and_keeps_filters(client, company):
    for n in range(55):
        invoice(f"k{n}", entry_date=date(2026, 3, 1 + n % 28))
    client.force_login(company.finance)
    page1 = client.get("/ledger/entries/", {"reason": "invoice_issue"})
    assert len(page1.context["page"].object_list) == 50
    assert "page=2&amp;reason=invoice_issue" in page1.content.decode()
    page2 = client.get("/ledger/entries/", {"reason": "invoice_issue", "page": 2})
    assert len(page2.context["page"].object_list) == 5


def test_entry_page_shows_lines_debits_credits_and_base_amounts(client, company):
    customer = CustomerFactory(owner=company.rep_east)
    entry = invoice(customer_id=customer.pk)
    payment = usd_payment()
    client.force_login(company.viewer)
    html = client.get(f"/ledger/entries/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    assert "应收账款" in text and customer.name in text
    assert "¥1,130.00" in text and "¥1,000.00" in text and "¥130.00" in text
    fx = client.get(f"/ledger/entries/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "$100.00" in fx and "CN¥720.00" in fx and "CN¥20.00" in fx
    assert "Exchange gains and losses" in fx


def test_reverse_through_the_page(client, company):
    # given
    entry = invoice()
    client.force_login(company.finance)
    page = client.get(f"/ledger/entries/{entry.pk}/")
    assert page.context["can_reverse"]
    # when
    response = client.post(
        f"/ledger/entries/{entry.pk}/reverse/", {"date": "2026-03-20", "memo": "wrong customer"}
    )
    # then
    reversal = JournalEntry.objects.get(reverses=entry)
    assert response.status_code == 302
    assert response["Location"] == f"/ledger/entries/{reversal.pk}/"
    assert reversal.date == date(2026, 3, 20) and reversal.memo == "wrong customer"
    original = client.get(f"/ledger/entries/{entry.pk}/")
    assert original.context["reversal"] == reversal
    assert not original.context["can_reverse"]
    assert f'href="/ledger/entries/{reversal.pk}/"' in original.content.decode()
    mirror = client.get(f"/ledger/entries/{reversal.pk}/").content.decode()
    assert f'href="/ledger/entries/{entry.pk}/"' in mirror
    # and a second try shows the refusal in the form
    again = client.post(f"/ledger/entries/{entry.pk}/reverse/", {"date": "2026-03-21"})
    assert again.status_code == 200
    assert "ledger.already_reversed" in str(again.context["form"].errors)
    assert JournalEntry.objects.count() == 2
    assert_verified()


def test_reverse_into_a_closed_period_is_shown_in_the_form(client, company):
    entry = invoice()
    client.force_login(company.finance)
    client.post("/ledger/periods/2026/3/close/")
    response = client.post(f"/ledger/entries/{entry.pk}/reverse/", {"date": "2026-03-20"})
    assert response.status_code == 200
    assert "ledger.period_closed" in str(response.context["form"].errors)
    bad_date = client.post(f"/ledger/entries/{entry.pk}/reverse/", {"date": "someday"})
    assert "date" in bad_date.context["form"].errors
    assert JournalEntry.objects.count() == 1
    assert_verified()


def test_periods_page_closes_and_reopens(client, company):
    today = timezone.localdate()
    client.force_login(company.finance)
    rows = client.get("/ledger/periods/").context["rows"]
    assert len(rows) == 13
    assert (rows[0].year, rows[0].month) == (today.year, today.month)
    response = client.post(f"/ledger/periods/{today.year}/{today.month}/close/")
    assert response.status_code == 302 and response["Location"] == "/ledger/periods/"
    period = AccountingPeriod.objects.get(year=today.year, month=today.month)
    assert period.status == "closed" and period.closed_by == company.finance
    html = client.get("/ledger/periods/").content.decode()
    assert f"/ledger/periods/{today.year}/{today.month}/reopen/" in html
    client.post(f"/ledger/periods/{today.year}/{today.month}/reopen/")
    period.refresh_from_db()
    assert period.status == "open"
    assert client.post("/ledger/periods/2026/13/close/").status_code == 404
    assert client.get("/ledger/periods/2026/3/close/").status_code == 405
    assert AccountingPeriod.objects.count() == 1


def test_account_pages_add_and_edit(client, company):
    client.force_login(company.finance)
    parent = Account.objects.get(code="6001")
    response = client.post(
        "/ledger/accounts/new/",
        {
            "code": "6001.01",
            "name_zh": "软件收入",
            "name_en": "Software revenue",
            "type": "revenue",
            "role": "",
            "parent": parent.pk,
            "currency": "cny",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    account = Account.objects.get(code="6001.01")
    assert account.currency == "CNY" and account.parent == parent
    edit = client.get(f"/ledger/accounts/{account.pk}/edit/")
    assert "code" not in edit.context["form"].fields
    response = client.post(
        f"/ledger/accounts/{account.pk}/edit/",
        {
            "name_zh": "许可收入",
            "name_en": "Licences",
            "role": "",
            "parent": parent.pk,
            "currency": "",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name_zh, account.currency, account.is_active) == ("许可收入", "", False)
    html = client.get("/ledger/accounts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "许可收入" in html


def test_account_form_shows_service_refusals(client, company):
    client.force_login(company.finance)
    taken = client.post(
        "/ledger/accounts/new/",
        {"code": "1122", "name_zh": "重复", "name_en": "Twin", "type": "asset", "is_active": "on"},
    )
    assert taken.status_code == 200
    assert "ledger.account_code_taken" in str(taken.context["form"].errors)
    parent = Account.objects.get(code="6603")
    child = Account.objects.get(code="6603.01")
    cycle = client.post(
        f"/ledger/accounts/{parent.pk}/edit/",
        {"name_zh": parent.name_zh, "name_en": parent.name_en, "parent": child.pk},
    )
    assert cycle.status_code == 200
    assert "parent" in cycle.context["form"].errors
    assert Account.objects.filter(code="1122").count() == 1
    assert Account.objects.get(pk=parent.pk).parent is None


def test_verify_page_shows_each_check(client, company):
    invoice()
    client.force_login(company.finance)
    response = client.get("/ledger/verify/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["all_ok"]
    assert "journal entries balance" in response.content.decode()
    assert "FAIL" not in response.content.decode()


def test_verify_page_shows_failures(client, company):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's trigger refuses such an entry outright")
    lonely = JournalEntry.objects.create(
        number="X-1",
        date=date(2026, 3, 1),
        reason="manual",
        idempotency_key="raw",
        payload_hash="x",
    )
    JournalLine.objects.create(
        entry=lonely,
        account=account_for_role(AccountRole.AR),
        currency="CNY",
        amount=5,
        base_amount=5,
    )
    client.force_login(company.admin)
    response = client.get("/ledger/verify/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert not response.context["all_ok"]
    assert "FAIL" in html and "X-1" in html


def test_page_query_counts_do_not_grow_with_rows(client, company, django_assert_max_num_queries):
    client.force_login(company.finance)
    for n in range(2):
        invoice(f"few-{n}")
    counts = {}
    for path in ("/ledger/entries/", "/ledger/accounts/", "/ledger/periods/"):
        with django_assert_max_num_queries(20) as captured:
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    entry = JournalEntry.objects.first()
    with django_assert_max_num_queries(20) as captured:
        client.get(f"/ledger/entries/{entry.pk}/")
    counts["detail"] = len(captured.captured_queries)
    # more rows: entries, reversals, closed periods, accounts, lines of one entry
    for n in range(40):
        invoice(f"many-{n}")
    for n in range(0, 40, 4):
        client.post(
            f"/ledger/entries/{JournalEntry.objects.get(idempotency_key=f'many-{n}').pk}/reverse/",
            {"date": "2026-03-20"},
        )
    for month in range(1, 3):
        client.post(f"/ledger/periods/2025/{month}/close/")
    for n in range(10):
        client.post(
            "/ledger/accounts/new/",
            {
                "code": f"6051.{n:02d}",
                "name_zh": f"其他{n}",
                "name_en": f"Other {n}",
                "type": "revenue",
            },
        )
    for path in ("/ledger/entries/", "/ledger/accounts/", "/ledger/periods/"):
        with django_assert_max_num_queries(counts[path]):
            assert client.get(path).status_code == 200
    reversed_entry = JournalEntry.objects.get(idempotency_key="many-0")
    with django_assert_max_num_queries(counts["detail"]):
        client.get(f"/ledger/entries/{reversed_entry.pk}/")
    assert_verified()
