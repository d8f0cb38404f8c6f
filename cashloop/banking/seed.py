"""Demo banking: the company's CNY and USD bank accounts, and this week's statement of the
CNY account, recognised as far as the engine is sure, so the workbench (认款工作台) opens
with lines applied today and lines waiting for a person.

The statement (about 40 lines) is built from the demo's open invoices: most lines quote
an invoice number (in the ways payers write them), some give only the payer's short name
(two of them a round sum on account), one pays two invoices at once, two pay in part,
two arrive short of the payer bank's charge, one pays too much; besides, the bank's
interest, its fee, a transfer between the company's own accounts and a payment nobody
can place.  It comes in as a bank connection posts it (`statement_lines_post`), and the
engine runs over it as the background task does, acting as the finance clerk who
imported it.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from cashloop.banking.match_services import statement_lines_auto_match
from cashloop.banking.models import BankAccount, ImportProfile
from cashloop.banking.parsers import LineIn
from cashloop.banking.services import bank_account_create, statement_lines_post
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.receivables.models import Installment

D = Decimal
CNY_ACCOUNT = "1109 0812 3456 0001"
# How many lines of each kind quote open installments (the rest are made up below).
QUOTED, NAME_ONLY, PARTIAL, SHORT_BY_FEE, OVERPAID, ON_ACCOUNT = 20, 6, 2, 2, 1, 2
SPELLINGS = ("货款 {}", "{}", "付{}款", "{} 服务费", "PAYMENT {}")


def seed_banking(*, rng: random.Random, today: date) -> int:
    """Bank accounts and a recognised statement.  -> statement lines made."""
    admin = User.objects.filter(username="it.admin").first()
    clerk = User.objects.filter(roles__code="finance").order_by("pk").first()
    if admin is None or clerk is None:
        return 0
    cny = _bank_accounts(admin)
    lines = _statement(rng=rng, today=today)
    _statement_import, posted = statement_lines_post(
        actor=clerk, bank_account_id=cny.pk, lines=lines
    )
    statement_lines_auto_match(actor=None, line_ids=[item.line.pk for item in posted])
    return len(posted)


def _bank_accounts(admin: User) -> BankAccount:
    ledger = Account.objects.get(role=AccountRole.BANK)
    cny = bank_account_create(
        actor=admin,
        name="招行基本户",
        bank="招商银行 上海分行",
        account_number=CNY_ACCOUNT,
        currency="CNY",
        ledger_account_id=ledger.pk,
        profile_id=ImportProfile.objects.filter(code="cmb").values_list("pk", flat=True).first(),
    )
    bank_account_create(
        actor=admin,
        name="中行美元户",
        bank="中国银行 上海分行",
        account_number="4536 5820 1234",
        iban="",
        bic="BKCHCNBJ300",
        currency="USD",
        ledger_account_id=ledger.pk,
        profile_id=ImportProfile.objects.filter(code="boc").values_list("pk", flat=True).first(),
    )
    return cny


def _payer_account(customer_id: int) -> str:
    return f"6222 0210 {customer_id:08d}"


def _statement(*, rng: random.Random, today: date) -> list[LineIn]:
    """The week's lines, newest last, from the CNY installments still open."""
    first_due: dict[int, Installment] = {}
    for item in (
        Installment.objects.filter(residual__gt=0, invoice__currency="CNY")
        .exclude(invoice__status__in=["draft", "cancelled"])
        .select_related("invoice__customer")
        .order_by("due_date", "pk")
    ):
        # One line per invoice: payers quote an invoice, and pay what falls due first.
        first_due.setdefault(item.invoice_id, item)
    items = list(first_due.values())
    rng.shuffle(items)
    lines: list[LineIn] = []

    def paid(item: Installment, amount: Decimal, reference: str, payer: str = "") -> None:
        customer = item.invoice.customer
        on = max(item.invoice.issue_date, today - timedelta(days=rng.randint(0, 6)))
        lines.append(
            LineIn(
                booking_date=on,
                amount=amount,
                payer_name=payer or customer.legal_name or customer.name,
                payer_account=_payer_account(customer.pk) if not payer else "",
                reference=reference,
            )
        )

    def short(item: Installment) -> str:
        """The name without its city, as payers abbreviate it (上海启明包装 -> 启明包装)."""
        name = item.invoice.customer.name
        return name[2:] if len(name) > 4 else name

    def spelled(item: Installment) -> str:
        return rng.choice(SPELLINGS).format(item.invoice.number)

    # One customer's two open invoices in one payment, both numbers quoted.
    by_customer: dict[int, list[Installment]] = {}
    for item in items:
        by_customer.setdefault(item.invoice.customer_id, []).append(item)
    pair = next((found[:2] for found in by_customer.values() if len(found) >= 2), [])
    if pair:
        numbers = " ".join(item.invoice.number for item in pair)
        paid(pair[0], pair[0].residual + pair[1].residual, f"货款 {numbers}")
    take = (item for item in items if item not in pair)
    for item in islice(take, QUOTED):
        paid(item, item.residual, spelled(item))
    for item in islice(take, NAME_ONLY):
        paid(item, item.residual, "货款", payer=short(item))
    for item in islice(take, PARTIAL):
        paid(item, (item.residual / 2).quantize(D("0.01")), f"{spelled(item)} 首付一半")
    for item in islice(take, SHORT_BY_FEE):
        paid(item, item.residual - D("15.00"), spelled(item))
    for item in islice(take, OVERPAID):
        paid(item, item.residual + D("500.00"), spelled(item))
    for item in islice(take, ON_ACCOUNT):
        # A round sum on account under the short name: whom and what, a person decides.
        paid(item, D(max(1, int(item.residual) // 1000) * 1000), "预付货款", payer=short(item))
    others = [
        ("招商银行", "", "结息 第三季度", D("38.62")),
        ("招商银行", "", "手续费 汇款", D("-25.00")),
        ("本公司 一般户", "3100 1234 5678 9012", "内部调拨", D("50000.00")),
        ("张伟", "6217 0000 1234 5678", "转账", D("888.00")),
    ]
    for payer, account, reference, amount in others:
        lines.append(
            LineIn(
                booking_date=today - timedelta(days=rng.randint(0, 6)),
                amount=amount,
                payer_name=payer,
                payer_account=account,
                reference=reference,
            )
        )
    lines.sort(key=lambda line: line.booking_date)
    # The bank's own ids, as its statements give them: the lines' fingerprints.
    return [
        replace(line, bank_ref=f"CMB{line.booking_date:%Y%m%d}{n:04d}")
        for n, line in enumerate(lines, 1)
    ]
