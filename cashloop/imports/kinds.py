"""What can be imported: each kind's fields, natural key, checks and how it is created.

A kind lists its fields with the column headers it recognises in English and Chinese,
says which fields make a row's natural key, checks what needs the database (references
to customers, invoices ...) and creates its records through the same services as the
pages and the API, so the same rules hold and the ledger is posted as usual.

Kinds whose record spans rows (`grouped`: an invoice with one row per installment, a
payment with one row per invoice it paid) gather rows by natural key; their record-level
fields must agree across those rows.  Other kinds refuse the same natural key twice in
one file.

Opening balances (decision 066): a migrated open invoice is an invoice of origin
"opening" whose one line is credited to the opening-balance account (利润分配, role
`opening`), not to revenue, and without tax, which the old system accounted for already;
issuing it posts Dr AR / Cr opening balances.  A historical payment is a payment whose
money is debited to the same account instead of a bank, then applied (核销) to the
migrated invoices it paid, on its own date.  AR, advances and the opening account then
agree with the open items, and `cashloop verify` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cashloop.core.countries import country_check
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, currency_check
from cashloop.cpq.models import PriceBook, Product, ProductFamily
from cashloop.cpq.services import PriceIn, price_book_create, product_create
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Contact, Customer, CustomerGroup
from cashloop.customers.selectors import customer_duplicates
from cashloop.customers.services import CUSTOMER_TYPE, contact_create, customer_create
from cashloop.customfields.selectors import fields_for
from cashloop.customfields.services import custom_values_validate
from cashloop.identity.models import User
from cashloop.imports import values as v
from cashloop.imports.errors import ImportsError
from cashloop.imports.models import ImportedRecord
from cashloop.imports.values import Problem
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.services import accounts_for_roles
from cashloop.receivables.choices import DueRule, InvoiceOrigin
from cashloop.receivables.models import Installment, Invoice
from cashloop.receivables.services import (
    InstallmentIn,
    InvoiceIn,
    LineIn,
    allocation_create,
    invoice_open_many,
    payment_create,
)
from cashloop.sales.choices import LeadSource
from cashloop.sales.models import Pipeline
from cashloop.sales.services import opportunity_create


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise | str
    parse: Callable[[Any], Any] = v.text
    required: bool = False
    # Other headers it is known by (compared without case, spaces, _ and -).
    headers: tuple[str, ...] = ()
    # Per row of a grouped record (an installment's due date), not per record.
    per_row: bool = False


@dataclass
class Record:
    """One record to create: its natural key, lines, fields and (grouped kinds) rows."""

    key: str
    lines: list[int]
    values: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    problems: list[tuple[int, str, Problem]] = field(default_factory=list)
    warnings: list[v.Note] = field(default_factory=list)
    # What checks found in the database, for `create`.
    refs: dict[str, Any] = field(default_factory=dict)


def header_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch not in " _-:：()（）*").strip()


class Kind:
    key: str
    label: Promise
    key_fields: tuple[str, ...]
    grouped = False
    fields: tuple[Field, ...] = ()
    # The field whose records go in the same batches (see `services._create`).
    batch_by: str | None = None

    def all_fields(self) -> tuple[Field, ...]:
        return self.fields

    def natural_key(self, values: dict[str, Any]) -> str:
        return "|".join(str(values.get(k) or "").lower() for k in self.key_fields)

    def existing(self, keys: Iterable[str]) -> set[str]:
        """Of these natural keys, those already in Cashloop (by import or otherwise)."""
        return set(
            ImportedRecord.objects.filter(kind=self.key, key__in=list(keys)).values_list(
                "key", flat=True
            )
        )

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        """Add each record's problems that need the database, and its `refs`."""

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        """Create the records; the ids of what each became, in order."""
        raise NotImplementedError


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_code(rows: QuerySet[Any], codes: Iterable[str], field: str = "code") -> dict[str, Any]:
    """Of `rows`, those whose `field` is one of `codes`, by its lowercase value: look-ups by
    code (or username) ignore case, as the CRM's do."""
    wanted = sorted({c.lower() for c in codes if c})
    found: dict[str, Any] = {}
    for chunk in _chunks(wanted):
        for row in rows.annotate(key_lower=Lower(field)).filter(key_lower__in=chunk):
            found[getattr(row, field).lower()] = row
    return found


def _resolve(
    records: Sequence[Record], name: str, rows: QuerySet[Any], what: Promise, field: str = "code"
) -> None:
    """Look up each record's `name` in `rows` by `field`; an unknown value is its problem."""
    found = by_code(rows, (str(r.values[name]) for r in records if r.values.get(name)), field)
    for record in records:
        code = record.values.get(name)
        if code is None:
            continue
        row = found.get(str(code).lower())
        if row is None:
            problem = Problem(ImportsError.UNKNOWN_REFERENCE, what=what, value=code)
            record.problems.append((record.lines[0], name, problem))
        else:
            record.refs[name] = row


def _resolve_owners(records: Sequence[Record]) -> None:
    """Each record's owner, by username; an unknown or inactive user is its problem."""
    _resolve(records, "owner", User.objects.filter(is_active=True), _("user"), "username")


def _custom_fields(object_type: str) -> tuple[Field, ...]:
    return tuple(
        Field(f"cf_{f.key}", f.label, headers=(f.key, f.label)) for f in fields_for(object_type)
    )


def _currency(cell: Any) -> str | None:
    value = v.text(cell)
    return value.upper() if value else None


CUSTOMER: Field = Field(
    "customer", _("Customer code"), required=True, headers=("客户编码", "客户代码", "客户")
)
CURRENCY: Field = Field("currency", _("Currency"), _currency, headers=("币种", "货币"))
RATE: Field = Field("rate", _("Exchange rate"), v.decimal, headers=("汇率", "rate"))


class Customers(Kind):
    key = "customers"
    label = _("Customers")
    key_fields = ("code",)
    fields = (
        Field(
            "code", _("Code"), required=True, headers=("客户编码", "客户代码", "编码", "客户编号")
        ),
        Field(
            "name", _("Name"), required=True, headers=("客户名称", "名称", "客户", "customer name")
        ),
        Field("legal_name", _("Legal name"), headers=("法定名称", "公司全称", "全称")),
        Field("tax_id", _("Tax ID"), headers=("税号", "纳税人识别号", "统一社会信用代码")),
        CURRENCY,
        Field(
            "payment_terms_days",
            _("Payment terms (days)"),
            v.integer,
            headers=("账期", "账期天数", "付款期限", "payment terms", "terms"),
        ),
        Field("owner", _("Owner"), headers=("负责人", "销售", "业务员", "owner username")),
        # Merged is where customer_merge leaves a customer, pointing at the survivor.
        Field(
            "status",
            _("Status"),
            v.choice(CustomerStatus, exclude=(CustomerStatus.MERGED,)),
            headers=("状态", "客户状态"),
        ),
        Field("group", _("Customer group"), headers=("客户分组", "客户分类", "分组", "group code")),
        Field("country", _("Country"), _currency, headers=("国家", "国家代码")),
        Field("address", _("Address"), headers=("地址", "注册地址")),
        Field("tags", _("Tags"), headers=("标签",)),
    )

    def all_fields(self) -> tuple[Field, ...]:
        return (*self.fields, *_custom_fields(CUSTOMER_TYPE))

    def existing(self, keys: Iterable[str]) -> set[str]:
        return set(by_code(Customer.objects.all(), keys))

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "group", CustomerGroup.objects.all(), _("customer group"))
        _resolve_owners(records)
        # The CRM's own duplicate rules (decision 021): a warning, shown before importing.
        for record in records[:DUPLICATE_CHECKS]:
            found = customer_duplicates(
                user=actor, name=record.values["name"], tax_id=record.values.get("tax_id") or ""
            )
            record.warnings.extend(
                v.Note(
                    _("Looks like existing customer %(code)s %(name)s (%(score)d%%)"),
                    code=c.customer.code,
                    name=c.customer.name,
                    score=c.score,
                )
                for c in found[:3]
            )
        # What customer_create would refuse, found now: the import itself stops at the
        # first refusal, and the check is to list every bad row before anything is made.
        custom_fields = fields_for(CUSTOMER_TYPE, include_retired=True)
        for record in records:
            data = record.values
            for column, value, valid in (
                ("currency", data.get("currency") or base_currency(), currency_check),
                ("country", data.get("country") or "CN", country_check),
            ):
                try:
                    valid(value)
                except DomainError as exc:
                    record.problems.append((record.lines[0], column, Problem.of(exc)))
            try:
                custom_values_validate(
                    actor=actor,
                    object_type=CUSTOMER_TYPE,
                    values=self._custom(data),
                    fields=custom_fields,
                )
            except DomainError as exc:
                column = f"cf_{exc.details.get('key', '')}"
                record.problems.append((record.lines[0], column, Problem.of(exc)))

    @staticmethod
    def _custom(data: dict[str, Any]) -> dict[str, Any]:
        """The custom values of a row, by the custom field's key; empty cells left out."""
        return {
            k.removeprefix("cf_"): val
            for k, val in data.items()
            if k.startswith("cf_") and val is not None
        }

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        ids = []
        for record in records:
            data = record.values
            tags = [t.strip() for t in (data.get("tags") or "").replace("；", ";").split(";")]
            customer = customer_create(
                actor=actor,
                code=data["code"],
                name=data["name"],
                currency=data.get("currency") or base_currency(),
                legal_name=data.get("legal_name") or "",
                tax_id=data.get("tax_id") or "",
                address=data.get("address") or "",
                country=data.get("country") or "CN",
                payment_terms_days=data.get("payment_terms_days") or 30,
                owner_id=record.refs["owner"].pk if "owner" in record.refs else None,
                group_id=record.refs["group"].pk if "group" in record.refs else None,
                status=data.get("status") or CustomerStatus.ACTIVE,
                tags=[t for t in tags if t],
                confirm_duplicate=True,
                custom=self._custom(data),
            )
            ids.append(customer.pk)
        return ids


DUPLICATE_CHECKS = 5000


class Contacts(Kind):
    key = "contacts"
    label = _("Contacts")
    key_fields = ("customer", "name")
    fields = (
        CUSTOMER,
        Field(
            "name", _("Name"), required=True, headers=("联系人", "姓名", "联系人姓名", "contact")
        ),
        Field("title", _("Title"), headers=("职务", "职位", "job title")),
        Field("phone", _("Phone"), headers=("电话", "手机", "手机号", "mobile")),
        Field("email", _("Email"), headers=("邮箱", "电子邮件", "e-mail")),
    )

    def existing(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        customers = {key.split("|")[0] for key in wanted}
        found = set()
        for chunk in _chunks(sorted(customers)):
            rows = Contact.objects.annotate(code_lower=Lower("customer__code")).filter(
                code_lower__in=chunk
            )
            for code, name in rows.values_list("code_lower", "name"):
                found.add(f"{code}|{name.lower()}")
        return found & wanted

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "customer", Customer.objects.all(), _("customer"))

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        return [
            contact_create(
                actor=actor,
                customer_id=record.refs["customer"].pk,
                name=record.values["name"],
                title=record.values.get("title") or "",
                phone=record.values.get("phone") or "",
                email=record.values.get("email") or "",
            ).pk
            for record in records
        ]


class Products(Kind):
    key = "products"
    label = _("Products")
    key_fields = ("code",)
    fields = (
        Field("code", _("Code"), required=True, headers=("产品编码", "物料编码", "编码", "sku")),
        Field("name", _("Name"), required=True, headers=("产品名称", "名称", "品名")),
        Field("tax_rate", _("Tax rate"), v.percent, required=True, headers=("税率", "vat")),
        Field("name_en", _("Name (English)"), headers=("英文名称",)),
        Field("unit", _("Unit"), headers=("单位", "计量单位")),
        Field("family", _("Product family"), headers=("产品系列", "产品分类", "family code")),
        Field("standard_cost", _("Standard cost"), v.decimal, headers=("标准成本", "成本", "cost")),
    )

    def existing(self, keys: Iterable[str]) -> set[str]:
        return set(by_code(Product.objects.all(), keys))

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "family", ProductFamily.objects.all(), _("product family"))

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        return [
            product_create(
                actor=actor,
                code=record.values["code"],
                name=record.values["name"],
                tax_rate=record.values["tax_rate"],
                name_en=record.values.get("name_en") or "",
                unit=record.values.get("unit") or "",
                family_id=record.refs["family"].pk if "family" in record.refs else None,
                standard_cost=record.values.get("standard_cost"),
            ).pk
            for record in records
        ]


class PriceBooks(Kind):
    """Price books of the old system, one row per product price."""

    key = "price_books"
    label = _("Price books")
    key_fields = ("name",)
    grouped = True
    fields = (
        Field("name", _("Price book"), required=True, headers=("价格表", "价目表", "价格表名称")),
        CURRENCY,
        Field(
            "valid_from", _("Valid from"), v.day, required=True, headers=("生效日期", "起始日期")
        ),
        Field("valid_until", _("Valid until"), v.day, headers=("失效日期", "截止日期")),
        Field("group", _("Customer group"), headers=("客户分组", "客户分类", "group code")),
        Field(
            "product",
            _("Product code"),
            required=True,
            per_row=True,
            headers=("产品编码", "物料编码", "sku"),
        ),
        Field(
            "unit_price",
            _("Unit price"),
            v.decimal,
            required=True,
            per_row=True,
            headers=("单价", "价格", "price"),
        ),
        Field(
            "min_quantity",
            _("Minimum quantity"),
            v.decimal,
            per_row=True,
            headers=("起订量", "最小数量", "min qty"),
        ),
    )

    def existing(self, keys: Iterable[str]) -> set[str]:
        names = PriceBook.objects.annotate(name_lower=Lower("name")).values_list(
            "name_lower", flat=True
        )
        return set(keys) & {*names, *super().existing(keys)}

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "group", CustomerGroup.objects.all(), _("customer group"))
        codes = {str(i["product"]) for r in records for i in r.items if i.get("product")}
        products = by_code(Product.objects.all(), codes)
        for record in records:
            for line, item in zip(record.lines, record.items, strict=True):
                product = products.get(str(item["product"]).lower())
                if product is None:
                    problem = Problem(
                        ImportsError.UNKNOWN_REFERENCE, what=_("product"), value=item["product"]
                    )
                    record.problems.append((line, "product", problem))
                else:
                    item["product_id"] = product.pk

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        return [
            price_book_create(
                actor=actor,
                name=record.values["name"],
                currency=record.values.get("currency") or base_currency(),
                valid_from=record.values["valid_from"],
                valid_until=record.values.get("valid_until"),
                customer_group_id=record.refs["group"].pk if "group" in record.refs else None,
                entries=[
                    PriceIn(
                        product_id=item["product_id"],
                        unit_price=item["unit_price"],
                        min_quantity=item.get("min_quantity") or Decimal(1),
                    )
                    for item in record.items
                ],
            ).pk
            for record in records
        ]


class Opportunities(Kind):
    """Open deals of the old CRM, in the default pipeline, by the stage's name."""

    key = "opportunities"
    label = _("Opportunities")
    key_fields = ("reference",)
    fields = (
        Field("reference", _("Reference"), required=True, headers=("商机编号", "编号", "id")),
        CUSTOMER,
        Field("name", _("Name"), required=True, headers=("商机名称", "名称", "opportunity")),
        Field("amount", _("Amount"), v.amount, required=True, headers=("金额", "预计金额")),
        Field(
            "expected_close_date",
            _("Expected close date"),
            v.day,
            required=True,
            headers=("预计成交日期", "预计签约日期", "close date"),
        ),
        Field("stage", _("Stage"), headers=("阶段", "销售阶段")),
        Field("owner", _("Owner"), headers=("负责人", "销售", "业务员")),
        CURRENCY,
        RATE,
        Field("source", _("Source"), v.choice(LeadSource), headers=("来源", "线索来源")),
    )

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "customer", Customer.objects.all(), _("customer"))
        _resolve_owners(records)
        pipeline = Pipeline.objects.filter(is_default=True).first()
        stages = {s.name.lower(): s for s in pipeline.stages.all()} if pipeline else {}
        for record in records:
            name = record.values.get("stage")
            if name and str(name).lower() not in stages:
                problem = Problem(ImportsError.UNKNOWN_REFERENCE, what=_("stage"), value=name)
                record.problems.append((record.lines[0], "stage", problem))
            elif name:
                record.refs["stage"] = stages[str(name).lower()]

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        return [
            opportunity_create(
                actor=actor,
                customer_id=record.refs["customer"].pk,
                name=record.values["name"],
                amount=record.values["amount"],
                expected_close_date=record.values["expected_close_date"],
                currency=record.values.get("currency"),
                rate=record.values.get("rate"),
                stage_id=record.refs["stage"].pk if "stage" in record.refs else None,
                owner_id=record.refs["owner"].pk if "owner" in record.refs else None,
                source=record.values.get("source") or "",
            ).pk
            for record in records
        ]


def _opening_account() -> Any:
    return accounts_for_roles(AccountRole.OPENING)[AccountRole.OPENING]


class Invoices(Kind):
    """Open invoices of the old system, one row per installment (or one per invoice)."""

    key = "invoices"
    label = _("Open invoices (opening balances)")
    key_fields = ("number",)
    grouped = True
    batch_by = "customer"
    fields = (
        Field(
            "number",
            _("Invoice number"),
            required=True,
            headers=("发票号", "发票号码", "单据编号", "单号", "invoice", "invoice no"),
        ),
        CUSTOMER,
        Field(
            "invoice_date",
            _("Invoice date"),
            v.day,
            required=True,
            headers=("开票日期", "单据日期", "日期", "date"),
        ),
        CURRENCY,
        RATE,
        Field(
            "due_date",
            _("Due date"),
            v.day,
            required=True,
            per_row=True,
            headers=("到期日", "到期日期", "应收日期", "due"),
        ),
        Field(
            "amount",
            _("Amount"),
            v.amount,
            required=True,
            per_row=True,
            headers=("金额", "应收金额", "未收金额", "价税合计", "total"),
        ),
    )

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "customer", Customer.objects.all(), _("customer"))

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        opening = _opening_account()
        drafts = [self._draft(record, opening.pk) for record in records]
        return [invoice.pk for invoice in invoice_open_many(actor=actor, invoices=drafts)]

    @staticmethod
    def _draft(record: Record, opening_id: int) -> InvoiceIn:
        data = record.values
        total = sum((item["amount"] for item in record.items), Decimal(0))
        return InvoiceIn(
            customer_id=record.refs["customer"].pk,
            issue_date=data["invoice_date"],
            lines=[
                LineIn(
                    description=str(_("Opening balance of %(number)s"))
                    % {"number": data["number"]},
                    quantity=Decimal(1),
                    unit_price=total,
                    tax_rate=Decimal(0),
                    revenue_account_id=opening_id,
                )
            ],
            installments=[
                InstallmentIn(
                    share=item["amount"], due_rule=DueRule.FIXED_DATE, fixed_date=item["due_date"]
                )
                for item in record.items
            ],
            currency=data.get("currency"),
            rate=data.get("rate"),
            memo=data["number"],
            origin=InvoiceOrigin.OPENING,
        )


def migrated_invoices(records: Sequence[Record]) -> dict[str, Invoice]:
    """The migrated invoices the rows name (field `invoice`), by old number in lowercase."""
    numbers = {str(i["invoice"]).lower() for r in records for i in r.items if i.get("invoice")}
    ids = dict(
        ImportedRecord.objects.filter(kind=Invoices.key, key__in=list(numbers)).values_list(
            "key", "object_id"
        )
    )
    found = Invoice.objects.in_bulk(list(ids.values()))
    return {key: found[pk] for key, pk in ids.items() if pk in found}


class Payments(Kind):
    """Payments received in the old system, and the migrated invoices each paid."""

    key = "payments"
    label = _("Historical payments")
    key_fields = ("reference",)
    grouped = True
    fields = (
        Field(
            "reference",
            _("Payment reference"),
            required=True,
            headers=("收款单号", "单据编号", "流水号", "reference", "payment no"),
        ),
        CUSTOMER,
        Field("date", _("Payment date"), v.day, required=True, headers=("收款日期", "日期")),
        Field("amount", _("Amount"), v.amount, required=True, headers=("收款金额", "金额")),
        CURRENCY,
        RATE,
        Field(
            "invoice",
            _("Invoice number"),
            per_row=True,
            headers=("发票号", "发票号码", "核销发票", "invoice no"),
        ),
        Field(
            "applied",
            _("Amount applied"),
            v.amount,
            per_row=True,
            headers=("核销金额", "applied amount"),
        ),
    )

    def check(self, *, actor: User, records: Sequence[Record]) -> None:
        _resolve(records, "customer", Customer.objects.all(), _("customer"))
        invoices = migrated_invoices(records)
        left = {invoice.pk: invoice.residual for invoice in invoices.values()}
        for record in records:
            unapplied = record.values["amount"]
            for line, item in zip(record.lines, record.items, strict=True):
                number = item.get("invoice")
                if not number:
                    continue
                invoice = invoices.get(str(number).lower())
                customer = record.refs.get("customer")
                if invoice is None or (customer and invoice.customer_id != customer.pk):
                    problem = Problem(
                        ImportsError.UNKNOWN_REFERENCE, what=_("migrated invoice"), value=number
                    )
                    record.problems.append((line, "invoice", problem))
                    continue
                applied = item.get("applied") or min(unapplied, left[invoice.pk])
                if applied > unapplied or applied > left[invoice.pk]:
                    record.problems.append((line, "applied", Problem(ImportsError.OVERPAID)))
                    continue
                unapplied -= applied
                left[invoice.pk] -= applied
                item["invoice_id"], item["applied"] = invoice.pk, applied

    def create(self, *, actor: User, records: Sequence[Record]) -> list[int]:
        opening = _opening_account()
        ids = []
        for record in records:
            data = record.values
            payment = payment_create(
                actor=actor,
                customer_id=record.refs["customer"].pk,
                amount=data["amount"],
                currency=data.get("currency"),
                payment_date=data["date"],
                rate=data.get("rate"),
                bank_reference=data["reference"],
                memo=str(_("Migrated payment %(reference)s")) % {"reference": data["reference"]},
                ledger_account_id=opening.pk,
            )
            for item in record.items:
                if item.get("invoice_id"):
                    _apply(actor, payment.pk, item["invoice_id"], item["applied"], data["date"])
            ids.append(payment.pk)
        return ids


def _apply(actor: User, payment_id: int, invoice_id: int, amount: Decimal, on: date) -> None:
    """Apply `amount` of the payment to the invoice's installments, earliest due first."""
    installments = Installment.objects.filter(invoice_id=invoice_id, residual__gt=0).order_by(
        "due_date", "pk"
    )
    for installment in installments:
        part = min(amount, installment.residual)
        allocation_create(
            actor=actor,
            installment_id=installment.pk,
            amount=part,
            payment_id=payment_id,
            allocation_date=on,
        )
        amount -= part
        if not amount:
            break


# A kind in a module of its own builds on the above, so it is imported last.
from cashloop.imports.contract_kind import Contracts  # noqa: E402

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Customers(),
        Contacts(),
        Products(),
        PriceBooks(),
        Opportunities(),
        Invoices(),
        Contracts(),
        Payments(),
    )
}
