"""`cashloop export ledger --format beancount`: a file bean-check accepts, equal to the ledger.

The journal of the worked examples (a CNY invoice with VAT, a USD invoice, a USD payment
and its allocation with an exchange difference, a reversal) is exported and checked by
Beancount itself: `bean-check` must report nothing, and the balances Beancount computes
must equal the sums of the journal lines.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.export import account_component, account_names, beancount_write, quoted
from cashloop.ledger.models import Account, JournalEntry, JournalLine
from cashloop.ledger.services import (
    PostingLine,
    account_for_role,
    journal_entry_post,
    journal_entry_reverse,
)
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
DAY = date(2026, 3, 15)
SKIP_REASON = "beancount (a dev dependency: pip install -e '.[dev]') is not installed"


def acct(role: AccountRole) -> Account:
    return account_for_role(role)


def post(key: str, lines: list[PostingLine], entry_date: date = DAY, **kwargs) -> JournalEntry:
    return journal_entry_post(
        actor=None,
        entry_date=entry_date,
        reason=kwargs.pop("reason", PostingReason.INVOICE_ISSUE),
        lines=lines,
        idempotency_key=key,
        **kwargs,
    )


def book_worked_examples(company) -> dict[str, JournalEntry]:
    customer = CustomerFactory(owner=company.rep_east, code="C00042")
    entries = {}
    # A CNY invoice of 1,130.00 with 13% VAT.
    entries["cny_invoice"] = post(
        "inv-cny",
        [
            PostingLine(acct(AccountRole.AR), D("1130.00"), "CNY", customer_id=customer.pk),
            PostingLine(acct(AccountRole.REVENUE), D("-1000.00"), "CNY"),
            PostingLine(acct(AccountRole.VAT_OUTPUT), D("-130.00"), "CNY"),
        ],
        entry_date=date(2026, 3, 1),
        memo='Invoice "INV-1" \\ March',
    )
    # A USD invoice of 150.00 at 7.00.
    entries["usd_invoice"] = post(
        "inv-usd",
        [
            PostingLine(
                acct(AccountRole.AR), D("150.00"), "USD", D("1050.00"), customer_id=customer.pk
            ),
            PostingLine(acct(AccountRole.REVENUE), D("-150.00"), "USD", D("-1050.00")),
        ],
        entry_date=date(2026, 3, 2),
    )
    # Paid 100 USD at 7.20 and settled at once, as in test_posting.
    entries["usd_settlement"] = post(
        "fx",
        [
            PostingLine(acct(AccountRole.BANK), D("100.00"), "USD", D("720.00")),
            PostingLine(
                acct(AccountRole.AR), D("-100.00"), "USD", D("-700.00"), customer_id=customer.pk
            ),
            PostingLine(acct(AccountRole.FX), D("0"), "USD", D("-20.00"), memo="gain"),
        ],
        reason=PostingReason.PAYMENT,
    )
    # 50 USD received at 7.10 as an advance, then allocated to the invoice (booked at 7.00).
    entries["usd_payment"] = post(
        "pay-usd",
        [
            PostingLine(acct(AccountRole.BANK), D("50.00"), "USD", D("355.00")),
            PostingLine(
                acct(AccountRole.ADVANCE), D("-50.00"), "USD", D("-355.00"), customer_id=customer.pk
            ),
        ],
        entry_date=date(2026, 3, 16),
        reason=PostingReason.PAYMENT,
    )
    entries["usd_allocation"] = post(
        "alloc-usd",
        [
            PostingLine(
                acct(AccountRole.ADVANCE), D("50.00"), "USD", D("355.00"), customer_id=customer.pk
            ),
            PostingLine(
                acct(AccountRole.AR), D("-50.00"), "USD", D("-350.00"), customer_id=customer.pk
            ),
            PostingLine(acct(AccountRole.FX), D("0"), "USD", D("-5.00")),
        ],
        entry_date=date(2026, 3, 17),
        reason=PostingReason.ALLOCATION,
    )
    # A rounding artefact: base amounts with the other sign than the amounts.
    entries["odd_signs"] = post(
        "odd",
        [
            PostingLine(acct(AccountRole.BANK), D("0.01"), "USD", D("-0.01")),
            PostingLine(acct(AccountRole.ROUNDING), D("-0.01"), "USD", D("0.01")),
        ],
        entry_date=date(2026, 3, 18),
        reason=PostingReason.MANUAL,
    )
    # A yen invoice: no decimals.
    entries["jpy_invoice"] = post(
        "inv-jpy",
        [
            PostingLine(acct(AccountRole.AR), D("1000"), "JPY", D("48.00")),
            PostingLine(acct(AccountRole.REVENUE), D("-1000"), "JPY", D("-48.00")),
        ],
        entry_date=date(2026, 3, 19),
    )
    entries["reversal"] = journal_entry_reverse(
        actor=company.finance, entry_id=entries["cny_invoice"].pk, entry_date=date(2026, 3, 20)
    )
    return entries


def export(path: Path, *args: str) -> str:
    call_command("export", "ledger", "--format", "beancount", "--output", str(path), *args)
    return path.read_text(encoding="utf-8")


def bean_check(path: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("beancount", reason=SKIP_REASON)
    script = Path(sys.executable).parent / "bean-check"
    return subprocess.run(
        [str(script), "--no-cache", str(path)], capture_output=True, text=True, check=False
    )


def assert_bean_check_passes(path: Path) -> None:
    result = bean_check(path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def load(path: Path):
    loader = pytest.importorskip("beancount.loader", reason=SKIP_REASON)
    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    return entries, options


def test_the_exported_journal_passes_bean_check(company, tmp_path):
    # given
    entries = book_worked_examples(company)
    # when
    text = export(tmp_path / "ledger.beancount")
    # then
    assert_bean_check_passes(tmp_path / "ledger.beancount")
    for entry in entries.values():
        assert f'number: "{entry.number}"' in text
    assert 'option "operating_currency" "CNY"' in text
    assert "2026-03-01 open Assets:C1122\n" in text
    assert 'name: "应收账款"' in text
    assert "open Liabilities:C2221-01\n" in text
    assert "  Assets:C1122  1130.00 CNY\n" in text
    assert "  Assets:C1002  100.00 USD @@ 720.00 CNY\n" in text
    assert "  Assets:C1122  -100.00 USD @@ 700.00 CNY\n" in text
    assert '  Expenses:C6603-01  -20.00 CNY\n    line_currency: "USD"\n' in text
    assert "  Assets:C1122  1000 JPY @@ 48.00 CNY\n" in text
    assert '    customer: "C00042"' in text
    assert f'reverses: "{entries["cny_invoice"].number}"' in text
    assert "0000 " not in text  # amounts are rounded to the currency's minor unit
    assert_verified()


def test_transactions_balance_by_weight_in_base_currency(company, tmp_path):
    book_worked_examples(company)
    convert = pytest.importorskip("beancount.core.convert", reason=SKIP_REASON)
    data = pytest.importorskip("beancount.core.data", reason=SKIP_REASON)
    export(tmp_path / "ledger.beancount")
    entries, _ = load(tmp_path / "ledger.beancount")
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == JournalEntry.objects.count()
    for txn in transactions:
        weights = [convert.get_weight(p) for p in txn.postings]
        assert {w.currency for w in weights} == {"CNY"}
        assert sum(w.number for w in weights).quantize(D("0.01")) == 0, txn.meta["number"]
    assert_verified()


def test_balances_in_the_export_equal_the_ledger(company, tmp_path):
    # given
    book_worked_examples(company)
    convert = pytest.importorskip("beancount.core.convert", reason=SKIP_REASON)
    data = pytest.importorskip("beancount.core.data", reason=SKIP_REASON)
    # when
    export(tmp_path / "ledger.beancount")
    entries, options = load(tmp_path / "ledger.beancount")
    # then: per account, the units of each foreign currency and the weight in CNY
    units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for txn in (e for e in entries if isinstance(e, data.Transaction)):
        for posting in txn.postings:
            weights[posting.account] += convert.get_weight(posting).number
            if posting.units.currency != "CNY":
                units[posting.account, posting.units.currency] += posting.units.number
    names = account_names(list(Account.objects.all()))
    ledger_units = {
        (names[row["account"]], row["currency"]): row["total"]
        for row in JournalLine.objects.exclude(currency="CNY")
        .exclude(amount=0)  # exchange differences: exported in CNY
        .values("account", "currency")
        .annotate(total=Sum("amount"))
    }
    ledger_weights = {
        names[row["account"]]: row["total"]
        for row in JournalLine.objects.values("account").annotate(total=Sum("base_amount"))
    }
    assert options["operating_currency"] == ["CNY"]
    assert dict(units) == ledger_units
    assert {k: v.quantize(D("0.01")) for k, v in weights.items()} == ledger_weights
    # The receivables control account, spelled out.
    assert units["Assets:C1122", "USD"] == D("0.00")  # 150 invoiced, 100 + 50 settled
    assert units["Assets:C1122", "JPY"] == D("1000")
    assert weights["Assets:C1122"].quantize(D("0.01")) == D("48.00")  # CNY reversed, USD settled
    assert_verified()


def test_an_empty_ledger_exports_a_valid_file(db, tmp_path):
    text = export(tmp_path / "empty.beancount")
    assert_bean_check_passes(tmp_path / "empty.beancount")
    assert "1970-01-01 open Assets:C1122\n" in text
    assert " * " not in text


def test_from_and_to_select_entries_by_date(company, tmp_path):
    entries = book_worked_examples(company)
    text = export(tmp_path / "march.beancount", "--from", "2026-03-15", "--to", "2026-03-17")
    assert_bean_check_passes(tmp_path / "march.beancount")
    inside = {"usd_settlement", "usd_payment", "usd_allocation"}
    for name, entry in entries.items():
        assert (f'"{entry.number}"' in text) is (name in inside), name
    assert "2026-03-15 open Assets:C1122\n" in text
    assert_verified()


def test_export_to_stdout(company):
    entries = book_worked_examples(company)
    out = StringIO()
    call_command("export", "ledger", "--format", "beancount", stdout=out)
    assert out.getvalue().startswith(";; The Cashloop journal")
    assert f'number: "{entries["reversal"].number}"' in out.getvalue()
    assert "\n\n\n" not in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["aging", "--format", "beancount"], "unknown export 'aging'; known: ledger"),
        (["ledger", "--format", "csv"], "unknown format 'csv' for ledger; known: beancount"),
        (["ledger", "--format", "beancount", "--from", "03/01/2026"], "--from must be a date"),
        (
            ["ledger", "--format", "beancount", "--from", "2026-04-01", "--to", "2026-03-01"],
            "--from is after --to",
        ),
    ],
)
def test_unknown_kinds_formats_and_bad_dates_are_clear_errors(db, tmp_path, args, message):
    target = tmp_path / "out.beancount"
    with pytest.raises(CommandError, match=message.replace("'", ".")):
        call_command("export", *args, "--output", str(target))
    assert list(tmp_path.iterdir()) == []


def test_the_query_count_does_not_grow_with_the_journal(company, django_assert_num_queries):
    book_worked_examples(company)
    with django_assert_num_queries(4):  # accounts, first date, entries, their lines
        beancount_write(StringIO())
    for n in range(20):
        post(
            f"more-{n}",
            [
                PostingLine(acct(AccountRole.BANK), D("1.00"), "CNY"),
                PostingLine(
                    acct(AccountRole.REVENUE), D("-1.00"), "CNY", customer_id=CustomerFactory().pk
                ),
            ],
        )
    with django_assert_num_queries(4):
        summary = beancount_write(StringIO())
    assert summary.entries == JournalEntry.objects.count()
    assert summary.lines == JournalLine.objects.count()
    assert_verified()


def test_account_names_follow_beancount_grammar(db):
    assert account_component("1122") == "C1122"
    assert account_component("2221.01") == "C2221-01"
    assert account_component("6603 01/a") == "C6603-01-a"
    dotted = Account.objects.get(code="2221.01")
    dashed = Account(pk=10_000, code="2221-01", type="liability", name_zh="x", name_en="x")
    names = account_names([dotted, dashed])
    assert names[dashed.pk] == "Liabilities:C2221-01"
    assert names[dotted.pk] == f"Liabilities:C2221-01-{dotted.pk}"
    assert quoted('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c d"'
