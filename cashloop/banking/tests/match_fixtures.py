"""Builders the recognition tests share: a bank account, customers with name tokens,
issued invoices and statement lines made directly (the import is another helper's)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from itertools import count

from cashloop.banking.models import BankAccount, StatementLine
from cashloop.customers.matching import name_key
from cashloop.customers.models import CustomerNameToken
from cashloop.customers.services import customer_name_token_rows
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.receivables.services import InstallmentIn, LineIn, invoice_create, invoice_issue
from tests.factories import CustomerFactory

D = Decimal
DAY = date(2026, 3, 10)
PAID_ON = date(2026, 3, 20)
_serial = count(1)


def bank_account(number: str = "6222 0000 1111") -> BankAccount:
    return BankAccount.objects.create(
        name="ICBC basic",
        bank="工商银行",
        account_number=number,
        currency="CNY",
        ledger_account=Account.objects.get(role=AccountRole.BANK),
    )


def customer(company, name: str, **fields):
    made = CustomerFactory(owner=company.rep_east, name=name, name_key=name_key(name), **fields)
    CustomerNameToken.objects.bulk_create(customer_name_token_rows([made]))
    return made


def invoice(company, who, total: str, *, shares=None, discount=None, on: date = DAY):
    """An issued invoice whose total (13% VAT included) is `total`."""
    gross = D(total)
    net = (gross / D("1.13")).quantize(D("0.01"))
    tax = gross - net
    installments = None
    if shares:
        installments = [InstallmentIn(share=D(s), due_days=30 * n) for n, s in enumerate(shares, 1)]
    if discount:
        installments = [InstallmentIn(due_days=30, discount_percent=D(discount), discount_days=15)]
    draft = invoice_create(
        actor=company.finance,
        customer_id=who.pk,
        issue_date=on,
        lines=[LineIn("服务 Service", D(1), net, D("0.13"), tax=tax)],
        installments=installments,
    )
    return invoice_issue(actor=company.finance, invoice_id=draft.pk)


def line(
    account: BankAccount,
    amount: str,
    *,
    payer="",
    payer_account="",
    reference="",
    on: date = PAID_ON,
    currency="CNY",
) -> StatementLine:
    n = next(_serial)
    return StatementLine.objects.create(
        bank_account=account,
        booking_date=on,
        amount=D(amount),
        currency=currency,
        payer_name=payer,
        payer_account=payer_account,
        reference=reference,
        fingerprint=hashlib.sha256(f"{n}".encode()).hexdigest(),
        sequence=n,
    )
