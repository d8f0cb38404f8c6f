"""Imports through the services: checking, mapping, all-or-nothing, valid rows only,
re-running, opening balances in the ledger, and every broken file the issue names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.customers.models import Customer
from cashloop.imports.choices import JobStatus
from cashloop.imports.models import ImportJob
from cashloop.imports.services import import_job_create, import_job_remap, import_job_run
from cashloop.imports.tests.files import CUSTOMERS_ZH, INVOICES_EN, PAYMENTS_ZH, xlsx
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.receivables.choices import InvoiceOrigin, InvoiceStatus
from cashloop.receivables.models import Invoice, Payment
from tests.ledger_check import assert_verified


def _import(actor, kind, text, *, name="f.csv", encoding="utf-8", **options):
    job = import_job_create(actor=actor, kind=kind, file_name=name, content=text.encode(encoding))
    return import_job_run(actor=actor, job_id=job.pk, **options)


@pytest.fixture
def migrated(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    _import(company.admin, "invoices", INVOICES_EN)
    _import(company.admin, "payments", PAYMENTS_ZH, encoding="gb18030")
    return company


def test_a_migration_lands_as_open_items_and_opening_balances(migrated):
    assert Customer.objects.filter(code__startswith="M").count() == 3
    assert Customer.objects.get(code="M001").owner == migrated.rep_east
    old = Invoice.objects.get(memo="OLD-1001")
    assert old.origin == InvoiceOrigin.OPENING and old.status == InvoiceStatus.PARTIALLY_PAID
    assert [i.amount for i in old.installments.order_by("due_date")] == [1000, 500]
    assert old.residual == Decimal("300.00")
    assert Invoice.objects.get(memo="OLD-1002").residual == Decimal("2000.00")
    usd = Invoice.objects.get(memo="OLD-1003")
    assert (usd.currency, usd.rate, usd.issue_date) == ("USD", Decimal("7.1"), date(2026, 10, 2))
    assert Payment.objects.get(bank_reference="R-2").unapplied == 0
    # Opening balances, not revenue: AR against the opening account, nothing to revenue.
    opening = Account.objects.get(role=AccountRole.OPENING)
    revenue = Account.objects.get(role=AccountRole.REVENUE)
    assert opening.lines.exists() and not revenue.lines.exists()
    assert_verified()


def test_running_the_same_files_again_changes_nothing(migrated):
    counts = (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count())
    again = _import(migrated.admin, "invoices", INVOICES_EN)
    _import(migrated.admin, "payments", PAYMENTS_ZH, encoding="gb18030")
    _import(migrated.admin, "customers", CUSTOMERS_ZH)
    assert (again.existing_rows, again.imported_rows) == (4, 0)
    assert (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count()) == counts
    assert_verified()


def test_headers_in_either_language_are_recognised(company):
    job = import_job_create(
        actor=company.admin, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
    )
    assert job.mapping["code"] == "客户编码" and job.mapping["payment_terms_days"] == "账期"
    assert job.errors == [] and job.total_rows == 3
    assert job.status == JobStatus.PREVIEWED and not Customer.objects.filter(code="M001").exists()


def test_one_bad_row_imports_nothing_and_every_problem_has_line_and_column(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    text = INVOICES_EN + (
        "OLD-2001,NOPE,2026-09-01,2026-10-01,10.00,CNY,\n"
        "OLD-2002,M001,31/09/2026,2026-10-01,-5,CNY,\n"
        "OLD-1002,M001,2026-09-15,2026-10-15,1.00,CNY,\n"
    )
    job = import_job_create(
        actor=company.admin, kind="invoices", file_name="i.csv", content=text.encode()
    )
    found = {(e["line"], e["column"], e["code"]) for e in job.errors}
    assert found == {
        (6, "Customer code", "import.unknown_reference"),
        (7, "Invoice date", "import.date"),
        (7, "Amount", "import.amount"),
        (8, "Customer code", "import.inconsistent"),
    }
    with pytest.raises(DomainError) as refused:
        import_job_run(actor=company.admin, job_id=job.pk)
    assert refused.value.code.code == "import.invalid_rows"
    assert not Invoice.objects.exists()
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.PREVIEWED
    # On request, the valid rows only: the invoices with no bad row.
    done = import_job_run(actor=company.admin, job_id=job.pk, valid_only=True)
    assert sorted(Invoice.objects.values_list("memo", flat=True)) == ["OLD-1001", "OLD-1003"]
    assert done.status == JobStatus.DONE and done.imported_rows == 3
    assert_verified()


def test_duplicate_natural_keys_inside_one_file(company):
    text = CUSTOMERS_ZH + "M001,另一个公司,,CNY,30,\n"
    job = import_job_create(
        actor=company.admin, kind="customers", file_name="c.csv", content=text.encode()
    )
    assert [(e["line"], e["code"]) for e in job.errors] == [(5, "import.duplicate_in_file")]


def test_possible_duplicates_of_existing_customers_are_warned(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    text = "code,name\nM009,上海迁移科技有限公司\n"
    job = import_job_create(
        actor=company.admin, kind="customers", file_name="c.csv", content=text.encode()
    )
    assert job.errors == [] and "M001" in job.warnings[0]["message"]
    # Kept in every language, for whoever reads the job.
    assert job.warnings[0]["messages"]["en"].startswith("Looks like existing customer M001")
    assert job.warnings[0]["messages"]["zh-hans"].startswith("疑似已有客户 M001")


def test_payments_that_apply_more_than_is_open_are_refused(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    _import(company.admin, "invoices", INVOICES_EN)
    text = PAYMENTS_ZH.splitlines()[0] + "\nR-9,M002,2026-10-05,9000,OLD-1002,9000\n"
    job = import_job_create(
        actor=company.admin, kind="payments", file_name="p.csv", content=text.encode()
    )
    assert [(e["column"], e["code"]) for e in job.errors] == [("核销金额", "import.overapplied")]
    text = text.replace("OLD-1002", "OLD-1001")  # another customer's invoice
    job = import_job_create(
        actor=company.admin, kind="payments", file_name="p.csv", content=text.encode()
    )
    assert [e["code"] for e in job.errors] == ["import.unknown_reference"]


def test_mixed_encodings_are_refused_at_the_line_that_changes(company):
    content = CUSTOMERS_ZH.encode() + "M004,广州迁移有限公司,,CNY,30,\n".encode("gbk")
    with pytest.raises(DomainError) as refused:
        import_job_create(actor=company.admin, kind="customers", file_name="c.csv", content=content)
    assert refused.value.code.code == "import.mixed_encoding"
    assert refused.value.details == {"line": 5}
    assert not ImportJob.objects.exists()


def test_excel_dates_formulas_and_merged_cells(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    header = ["发票号", "客户编码", "开票日期", "到期日", "金额"]
    rows = [header, ["X-1", "M001", date(2026, 9, 1), date(2026, 10, 1), 100]]
    job = import_job_create(
        actor=company.admin, kind="invoices", file_name="i.xlsx", content=xlsx(rows)
    )
    assert job.errors == []
    formula = [*rows, ["X-2", "M001", date(2026, 9, 1), date(2026, 10, 1), "=E2*2"]]
    job = import_job_create(
        actor=company.admin, kind="invoices", file_name="i.xlsx", content=xlsx(formula)
    )
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (3, "金额", "import.formula")
    ]
    with pytest.raises(DomainError) as refused:
        import_job_create(
            actor=company.admin,
            kind="invoices",
            file_name="i.xlsx",
            content=xlsx([*rows, ["X-3", None, None, None, 1]], merge="B2:B3"),
        )
    assert refused.value.code.code == "import.merged_cells"


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"code": "客户编码"}, "import.mapping_missing"),
        ({"code": "客户编码", "name": "no such column"}, "import.mapping_column"),
        ({"code": "客户编码", "name": "客户名称", "colour": "币种"}, "import.mapping_field"),
    ],
)
def test_bad_mappings_are_refused(company, mapping, code):
    job = import_job_create(
        actor=company.admin, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
    )
    with pytest.raises(DomainError) as refused:
        import_job_remap(actor=company.admin, job_id=job.pk, mapping=mapping)
    assert refused.value.code.code == code
    assert ImportJob.objects.get(pk=job.pk).mapping == job.mapping


def test_rows_need_their_own_grants(company):
    job = import_job_create(
        actor=company.finance, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
    )
    with pytest.raises(DomainError):
        import_job_run(actor=company.finance, job_id=job.pk)
    assert not Customer.objects.filter(code="M001").exists()
    with pytest.raises(DomainError) as refused:
        import_job_create(
            actor=company.rep_east, kind="customers", file_name="c.csv", content=b"code,name\n"
        )
    assert refused.value.code.code == "permission.denied"


def test_the_command_checks_and_imports(company, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_ZH + "M001,重复,,CNY,30,\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"import\.invalid_rows"):
        call_command("import", "customers", str(path), "--user", company.admin.username)
    assert not Customer.objects.filter(code="M001").exists()
    call_command("import", "customers", str(path), "--user", "admin1", "--valid-only")
    # Which of two rows with one code is right is the user's call: both are left out.
    imported = Customer.objects.filter(code__in=["M001", "M002", "M003"])
    assert sorted(imported.values_list("code", flat=True)) == ["M002", "M003"]


def test_a_record_the_service_refuses_is_found_in_its_batch(company):
    _import(company.admin, "customers", CUSTOMERS_ZH)
    text = INVOICES_EN.replace("USD,7.10", "USD,")  # no rate: receivables refuses it
    job = import_job_create(
        actor=company.admin, kind="invoices", file_name="i.csv", content=text.encode()
    )
    assert job.errors == []
    with pytest.raises(DomainError):
        import_job_run(actor=company.admin, job_id=job.pk)
    job.refresh_from_db()
    assert [(e["line"], e["code"]) for e in job.errors] == [(5, "invoice.rate_required")]
    assert not Invoice.objects.exists()
    done = import_job_run(actor=company.admin, job_id=job.pk, valid_only=True)
    assert done.imported_rows == 3 and Invoice.objects.count() == 2
    assert_verified()


def test_open_opportunities_with_stage_owner_and_source(company):
    from cashloop.sales.models import Opportunity, Pipeline

    _import(company.admin, "customers", CUSTOMERS_ZH)
    pipeline = Pipeline.objects.get(is_default=True)  # installed by a migration
    first, second = pipeline.stages.order_by("position")[:2]
    text = (
        "商机编号,客户编码,商机名称,预计金额,预计成交日期,阶段,负责人,来源\n"
        f"O-1,M001,ERP 升级,50000,2099-01-31,{second.name.upper()},rep_east,合作伙伴\n"
        "O-2,M002,运维服务,1200.50,2099/2/1,,,referral\n"
        "O-3,M003,Bad,10,2099-01-01,No such stage,,Radio\n"
    )
    job = import_job_create(
        actor=company.admin, kind="opportunities", file_name="o.csv", content=text.encode()
    )
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (4, "来源", "import.choice"),
    ]
    fixed = text.replace("Radio", "")
    job = import_job_create(
        actor=company.admin, kind="opportunities", file_name="o.csv", content=fixed.encode()
    )
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (4, "阶段", "import.unknown_reference"),
    ]
    import_job_run(actor=company.admin, job_id=job.pk, valid_only=True)
    erp = Opportunity.objects.get(name="ERP 升级")
    assert (erp.stage, erp.owner, erp.source) == (second, company.rep_east, "partner")
    assert Opportunity.objects.get(name="运维服务").stage == first


def test_contacts_and_products(company):
    from cashloop.cpq.models import Product, ProductFamily
    from cashloop.customers.models import Contact

    _import(company.admin, "customers", CUSTOMERS_ZH)
    ProductFamily.objects.create(code="SW", name="软件")
    contacts = "客户编码,联系人,职务,手机,邮箱\nm001,王经理,财务经理,13800000000,wang@example.cn\n"
    done = _import(company.admin, "contacts", contacts)
    assert done.imported_rows == 1
    assert Contact.objects.get(name="王经理").customer.code == "M001"
    assert _import(company.admin, "contacts", contacts).existing_rows == 1
    header = ["Code", "Name", "Tax rate", "Unit", "Product family", "Standard cost"]
    rows = [header, ["P-1", "软件许可", "13%", "套", "sw", 120], ["P-2", "服务", 0.06, "", "", ""]]
    job = import_job_create(
        actor=company.admin, kind="products", file_name="p.xlsx", content=xlsx(rows)
    )
    import_job_run(actor=company.admin, job_id=job.pk)
    licence = Product.objects.get(code="P-1")
    assert (licence.tax_rate, licence.family.code, licence.standard_cost) == (
        Decimal("0.13"),
        "SW",
        Decimal("120"),
    )
    assert Product.objects.get(code="P-2").tax_rate == Decimal("0.06")


def test_migrated_invoices_are_no_revenue_of_the_period(migrated):
    from cashloop.reports.revenue import revenue_params, revenue_report

    params = revenue_params(
        measure="invoiced", dimension="customer", date_from="2026-01-01", date_to="2026-12-31"
    )
    report = revenue_report(user=migrated.admin, params=params)
    assert report.rows == []


def test_price_books_one_row_per_price(company):
    from cashloop.cpq.models import PriceBook

    header = ["Code", "Name", "Tax rate"]
    products = xlsx([header, ["P-1", "软件许可", "13%"], ["P-2", "服务", "6%"]])
    job = import_job_create(
        actor=company.admin, kind="products", file_name="p.xlsx", content=products
    )
    import_job_run(actor=company.admin, job_id=job.pk)
    text = (
        "价格表,币种,生效日期,产品编码,单价,起订量\n"
        "2026 标准价,CNY,2026-01-01,P-1,1000,\n"
        "2026 标准价,CNY,2026-01-01,p-2,200.50,10\n"
        "经销商价,CNY,2026-01-01,P-9,1,\n"
    )
    job = import_job_create(
        actor=company.admin, kind="price_books", file_name="b.csv", content=text.encode()
    )
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (4, "产品编码", "import.unknown_reference")
    ]
    import_job_run(actor=company.admin, job_id=job.pk, valid_only=True)
    book = PriceBook.objects.get(name="2026 标准价")
    prices = {e.product.code: (e.unit_price, e.min_quantity) for e in book.entries.all()}
    assert prices == {"P-1": (Decimal("1000"), Decimal("1")), "P-2": (Decimal("200.5"), 10)}
    again = import_job_create(
        actor=company.admin, kind="price_books", file_name="b.csv", content=text.encode()
    )
    assert again.existing_rows == 2


def test_files_beyond_the_limits_are_refused_whole(company, monkeypatch):
    from cashloop.imports import reading, services

    monkeypatch.setattr(services, "MAX_ROWS", 2)
    with pytest.raises(DomainError) as refused:
        import_job_create(
            actor=company.admin, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
        )
    assert refused.value.code.code == "import.too_many_rows"
    monkeypatch.setattr(reading, "MAX_MB", 0)
    with pytest.raises(DomainError) as refused:
        import_job_create(
            actor=company.admin, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
        )
    assert refused.value.code.code == "import.too_large"
    assert not ImportJob.objects.exists()
