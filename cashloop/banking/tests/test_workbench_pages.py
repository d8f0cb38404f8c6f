"""The recognition workbench page: the queue, candidates with reasons, confirm, split,
advance, exclude, undo; refusals shown, nothing changed."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cashloop.banking.choices import LineStatus
from cashloop.banking.models import LineMatch
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.ledger.models import Account
from cashloop.receivables.models import CustomerBalance, Payment
from tests.ledger_check import assert_verified

D = Decimal
URL = "/banking/workbench/"


@pytest.fixture
def setup(company, client):
    client.force_login(company.finance)
    bank = bank_account()
    star = customer(company, "上海星河科技有限公司", code="SH-STAR")
    moon = customer(company, "北京明月贸易有限公司", code="BJ-MOON")
    return bank, star, moon


def test_queue_shows_candidates_with_reasons_and_confirm_applies(company, client, setup):
    bank, star, _moon = setup
    inv = invoice(company, star, "1130.00")
    row = line(bank, "1130.00", reference=inv.number, payer="上海星河科技")
    with translation.override("en"):
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 200
    assert star.name in body and f"invoice number {inv.number}" in body
    assert 'data-shortcut="confirm"' in body
    assert page.context["proposals"][0].proposal.auto
    done = client.post(reverse("workbench:confirm", args=[row.pk]), {"proposal": "0"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.status == LineStatus.MATCHED
    assert_verified()
    match = LineMatch.objects.get(line=row)
    client.post(reverse("workbench:unmatch", args=[match.pk]))
    row.refresh_from_db()
    assert row.status == LineStatus.UNMATCHED
    # Undone once, the engine would not apply it alone again: no longer shown as sure.
    again = client.get(URL, {"line": row.pk})
    assert not again.context["proposals"][0].proposal.auto
    assert_verified()


def test_split_advance_and_exclude(company, client, setup):
    bank, star, moon = setup
    invoice(company, star, "300.00")
    row = line(bank, "1000.00", payer="某代付")
    client.post(
        reverse("workbench:split", args=[row.pk]),
        {
            "customer": ["sh-star", "BJ-MOON", ""],
            "amount": ["600.00", "400.00", ""],
            "apply": "oldest_first",
        },
    )
    row.refresh_from_db()
    assert row.status == LineStatus.MATCHED
    advances = dict(CustomerBalance.objects.values_list("customer_id", "advance"))
    assert advances == {star.pk: D("300.00"), moon.pk: D("400.00")}
    assert_verified()
    other = line(bank, "50.00", payer="Bank")
    income = Account.objects.get(code="6051")
    client.post(
        reverse("workbench:exclude", args=[other.pk]), {"account": income.pk, "memo": "interest"}
    )
    other.refresh_from_db()
    assert other.status == LineStatus.EXCLUDED
    assert_verified()


def test_refusals_are_shown_and_change_nothing(company, client, setup):
    bank, _star, _moon = setup
    row = line(bank, "100.00")
    payments = Payment.objects.count()
    with translation.override("en"):
        response = client.post(
            reverse("workbench:split", args=[row.pk]),
            {"customer": ["SH-STAR"], "amount": ["90.00"], "apply": "advance"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "The parts add up to 90.00; the line is 100" in response.content.decode()
    with translation.override("en"):
        unknown = client.post(
            reverse("workbench:split", args=[row.pk]),
            {"customer": ["NOPE"], "amount": ["100"]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "No customer of yours has the code NOPE." in unknown.content.decode()
    row.refresh_from_db()
    assert row.status == LineStatus.UNMATCHED and Payment.objects.count() == payments
    client.force_login(company.viewer)
    assert (
        client.post(reverse("workbench:confirm", args=[row.pk]), {"proposal": "0"}).status_code
        == 403
    )


def test_rules_page_dry_runs_then_saves(company, client, setup):
    bank, _star, _moon = setup
    row = line(bank, "100.00", reference="季度结息")
    client.post(
        reverse("workbench:split", args=[row.pk]),
        {"customer": ["SH-STAR"], "amount": ["100.00"], "apply": "advance"},
    )
    income = Account.objects.get(code="6051")
    typed = {
        "name": "Interest",
        "priority": "1",
        "text_contains": "结息",
        "action": "exclude",
        "account": str(income.pk),
        "months": "12",
    }
    with translation.override("en"):
        page = client.post(
            reverse("workbench:rules"), {**typed, "do": "dry_run"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert (
        "Of 1 lines recognised or posted in that time, 1 would be decided" in page.content.decode()
    )
    # The change is told by the account's name, not by its id.
    with translation.override("en"):
        assert page.context["report"].changed[0]["after"]["name"] == str(income)
        assert f"Not a customer payment →</span> {income}" in page.content.decode()
    assert not client.get(reverse("workbench:rules")).context["rules"].exists()
    client.post(reverse("workbench:rules"), {**typed, "do": "save"})
    rule = client.get(reverse("workbench:rules")).context["rules"].get()
    assert rule.conditions == {"text_contains": "结息"} and rule.account == income
    bad = client.post(
        reverse("workbench:rules"), {**typed, "regex": "(", "do": "save"}, follow=True
    )
    assert (
        bad.status_code == 200
        and client.get(reverse("workbench:rules")).context["rules"].count() == 1
    )
