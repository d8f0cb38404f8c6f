"""Import kind "contracts": the old system's contracts with their payment plans (decision 068).

One row per installment of the payment plan (回款计划); the contract's own fields (its
number in the old system, the natural key, customer, title, dates, currency, owner,
product, tax rate and total) repeat on each of its rows and must agree.  A contract
becomes one line, the product's (or the title, with the tax rate given), for the total
its installments make, tax included as signed, recognised at invoicing.

Each installment says what became of it in the old system: nothing yet (Cashloop's
billing invoices it when due), invoiced or paid there (never billed again), or invoiced
there and still open, naming the invoice the `invoices` kind migrated (the installment
is then linked to it).  The contract is created and activated through the contracts
app's own services; it was signed and approved in the old system, so it is active at
once, without an approval flow or credit check, and keeps its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.models import Contract, PlanItem
from cashloop.contracts.services import (
    BilledBeforeIn,
    ContractLineIn,
    PlanItemIn,
    contract_activate_migrated,
    contract_create,
)
from cashloop.core.money import base_currency, format_money, quantize
from cashloop.cpq.models import Product
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.imports import values as v
from cashloop.imports.choices import InstallmentState
from cashloop.imports.errors import ImportsError
from cashloop.imports.kinds import (
    CURRENCY,
    CUSTOMER,
    RATE,
    Field,
    Kind,
    Record,
    _resolve,
    _resolve_owners,
    by_code,
    migrated_invoices,
)
from cashloop.imports.values import Problem
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import TAX_RATES


class Contracts(Kind):
    """Contracts of the old system, one row per installment of their payment plans."""

    key = "contracts"
    label = _("Contracts with payment plans")
    key_fields = ("number",)
    grouped = True
    fields = (
        Field(
            "number",
            _("Contract number"),
            required=True,
            headers=("合同编号", "合同号", "合同编码", "contract no", "contract"),
        ),
        CUSTOMER,
        Field(
            "title",
            _("Contract name"),
            required=True,
            headers=("合同名称", "合同标题", "名称", "title"),
        ),
        Field(
            "signing_date",
            _("Signing date"),
            v.day,
            required=True,
            headers=("签订日期", "签约日期", "签署日期", "signed"),
        ),
        Field("start_date", _("Start date"), v.day, headers=("开始日期", "起始日期", "start")),
        Field("end_date", _("End date"), v.day, headers=("结束日期", "终止日期", "end")),
        CURRENCY,
        RATE,
        Field("owner", _("Owner"), headers=("负责人", "销售", "业务员")),
        Field("product", _("Product code"), headers=("产品编码", "物料编码", "sku")),
        Field("tax_rate", _("Tax rate"), v.percent, headers=("税率", "vat")),
        Field(
            "total",
            _("Contract total"),
            v.amount,
            headers=("合同金额", "合同总额", "合同总金额", "contract amount"),
        ),
        Field(
            "label",
            _("Installment"),
            per_row=True,
            headers=("款项", "款项名称", "回款阶段", "installment name"),
        ),
        Field(
            "due_date",
            _("Due date"),
            v.day,
            required=True,
            per_row=True,
            headers=("到期日", "到期日期", "计划回款日期", "应收日期", "due"),
        ),
        Field(
            "amount",
            _("Amount"),
            v.amount,
            required=True,
            per_row=True,
            headers=("金额", "回款金额", "计划回款金额", "installment amount"),
        ),
        Field(
            "invoice",
            _("Invoice number"),
            per_row=True,
            headers=("发票号", "发票号码", "invoice no"),
        ),
        Field(
            "state",
            _("Status"),
            v.choice(InstallmentState),
            per_row=True,
            headers=("状态", "回款状态", "开票状态", "state"),
        ),
    )

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "customer", Customer.objects.all(), _("customer"))
        _resolve(records, "product", Product.objects.all(), _("product"))
        _resolve_owners(records)
        taken = by_code(Contract.objects.exclude(number=""), (r.key for r in records), "number")
        invoices = migrated_invoices(records)
        # Invoices another installment has: in Cashloop, or on an earlier row of the file.
        linked = set(
            PlanItem.objects.filter(invoice__in=list(invoices.values())).values_list(
                "invoice_id", flat=True
            )
        )
        today = timezone.localdate()
        for record in records:
            if record.key in taken:
                problem = Problem(ImportsError.NUMBER_TAKEN, number=record.values["number"])
                record.problems.append((record.lines[0], "number", problem))
            self._check_contract(record)
            for line, item in zip(record.lines, record.items, strict=True):
                self._check_installment(record, line, item, invoices, linked)
            due = [i["due_date"] for i in record.items if not i["billed"] and i["due_date"] < today]
            if due:
                record.warnings.append(
                    v.Note(
                        _(
                            "Contract %(number)s: installments due on %(dates)s were not "
                            "invoiced in the old system; Cashloop's billing invoices them at "
                            "its next run."
                        ),
                        number=record.values["number"],
                        dates=", ".join(d.isoformat() for d in sorted(due)),
                    )
                )

    @staticmethod
    def _check_contract(record: Record) -> None:
        data, line = record.values, record.lines[0]
        start = data.get("start_date") or data["signing_date"]
        if data.get("end_date") and data["end_date"] < start:
            record.problems.append((line, "end_date", Problem(ImportsError.DATE_ORDER)))
        product = record.refs.get("product")
        rate = data.get("tax_rate")
        if rate is None and product is not None:
            rate = product.tax_rate
        if rate is None:
            record.problems.append((line, "tax_rate", Problem(ImportsError.REQUIRED)))
        elif rate not in TAX_RATES:
            problem = Problem(ReceivableError.TAX_RATE, rate=rate)
            record.problems.append((line, "tax_rate", problem))
        customer = record.refs.get("customer")
        currency = data.get("currency") or (customer.currency if customer else base_currency())
        if currency != base_currency() and data.get("rate") is None:
            record.problems.append((line, "rate", Problem(ImportsError.REQUIRED)))
        record.refs["tax_rate"], record.refs["currency"] = rate, currency
        planned = sum((item["amount"] for item in record.items), Decimal(0))
        if data.get("total") is not None and planned != data["total"]:
            problem = Problem(
                ImportsError.PLAN_SUM,
                plan=format_money(planned, currency),
                total=format_money(data["total"], currency),
            )
            record.problems.append((line, "total", problem))

    @staticmethod
    def _check_installment(
        record: Record,
        line: int,
        item: dict[str, Any],
        invoices: dict[str, Invoice],
        linked: set[int],
    ) -> None:
        """What became of it: a migrated open invoice of the same customer and currency
        asking no more than it, and no other installment's; or a status."""
        state = item.get("state")
        number = item.get("invoice")
        item["billed"] = bool(number) or state in (InstallmentState.INVOICED, InstallmentState.PAID)
        if not number:
            return
        if state == InstallmentState.SCHEDULED:
            record.problems.append((line, "state", Problem(ImportsError.INSTALLMENT_STATE)))
        invoice = invoices.get(str(number).lower())
        customer = record.refs.get("customer")
        currency = record.refs["currency"]
        if invoice is None or (customer and invoice.customer_id != customer.pk):
            problem = Problem(
                ImportsError.UNKNOWN_REFERENCE, what=_("migrated invoice"), value=number
            )
        elif invoice.currency != currency:
            problem = Problem(
                ImportsError.CURRENCY_MISMATCH,
                number=number,
                currency=invoice.currency,
                contract=currency,
            )
        elif invoice.pk in linked:
            problem = Problem(ImportsError.INVOICE_LINKED, number=number)
        elif invoice.total > item["amount"]:
            problem = Problem(
                ImportsError.INVOICE_EXCEEDS,
                number=number,
                invoice=format_money(invoice.total, currency),
                amount=format_money(item["amount"], currency),
            )
        else:
            linked.add(invoice.pk)
            item["invoice_id"] = invoice.pk
            return
        record.problems.append((line, "invoice", problem))

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        ids = []
        for record in records:
            data = record.values
            product = record.refs.get("product")
            currency, rate = record.refs["currency"], record.refs["tax_rate"]
            total = sum((item["amount"] for item in record.items), Decimal(0))
            # The total as signed, tax included: its net, and the tax the rest, to the cent.
            net = quantize(total / (1 + rate), currency)
            contract = contract_create(
                actor=actor,
                customer_id=record.refs["customer"].pk,
                title=data["title"],
                signing_date=data["signing_date"],
                start_date=data.get("start_date") or data["signing_date"],
                end_date=data.get("end_date"),
                currency=currency,
                rate=data.get("rate"),
                owner_id=record.refs["owner"].pk if "owner" in record.refs else None,
                lines=[
                    ContractLineIn(
                        product_id=product.pk if product else None,
                        description=product.name if product else data["title"],
                        unit=product.unit if product else "",
                        quantity=Decimal(1),
                        unit_price=net,
                        tax_rate=rate,
                        tax=total - net,
                    )
                ],
                plan=[
                    PlanItemIn(
                        label=item.get("label") or str(_("Installment %(n)d")) % {"n": n},
                        amount=item["amount"],
                        due_rule=PlanDueRule.FIXED_DATE,
                        fixed_date=item["due_date"],
                    )
                    for n, item in enumerate(record.items, 1)
                ],
            )
            contract_activate_migrated(
                actor=actor,
                contract_id=contract.pk,
                number=data["number"],
                billed=[
                    BilledBeforeIn(sequence=n, invoice_id=item.get("invoice_id"))
                    for n, item in enumerate(record.items, 1)
                    if item["billed"]
                ],
            )
            ids.append(contract.pk)
        return ids
