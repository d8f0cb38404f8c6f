"""The customers kind with everything the retired customer import read (decision 069):
status, owner by username, tags, custom fields by key (with or without `cf_`) or label,
CSV or Excel, and every bad row listed by the check before anything is imported."""

from __future__ import annotations

import pytest

from cashloop.core.errors import DomainError
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Customer
from cashloop.customfields.services import custom_field_create
from cashloop.imports.choices import JobStatus
from cashloop.imports.models import ImportJob
from cashloop.imports.services import import_job_create, import_job_run
from cashloop.imports.tests.files import xlsx


@pytest.fixture
def custom_fields(company):
    """A required choice and an optional bounded number, as customers' custom fields."""
    custom_field_create(
        actor=company.admin,
        object_type="customers.customer",
        key="industry",
        label="行业",
        label_en="Industry",
        kind="choice",
        required=True,
        choices=[{"value": "mfg", "label": "制造业"}, {"value": "retail", "label": "零售"}],
    )
    custom_field_create(
        actor=company.admin,
        object_type="customers.customer",
        key="revenue_share",
        label="收入占比",
        label_en="Revenue share",
        kind="decimal",
        min_value="0",
        max_value="100",
    )
    return company


def _check(actor, content: bytes, name: str = "c.csv") -> ImportJob:
    return import_job_create(actor=actor, kind="customers", file_name=name, content=content)


def test_the_old_import_columns_and_custom_fields(custom_fields):
    company = custom_fields
    text = (
        "code,name,currency,owner,status,tags,industry,cf_revenue_share\n"
        "I1,导入一,CNY,rep_east,prospect,VIP;新,mfg,10\n"
        "I2,导入二,,,非活跃,,retail,\n"
    )
    job = _check(company.admin, ("\ufeff" + text).encode())
    assert job.errors == []
    assert job.mapping["status"] == "status" and job.mapping["cf_industry"] == "industry"
    assert job.mapping["cf_revenue_share"] == "cf_revenue_share"

    done = import_job_run(actor=company.admin, job_id=job.pk)

    assert done.imported_rows == 2
    first, second = Customer.objects.get(code="I1"), Customer.objects.get(code="I2")
    assert first.custom == {"industry": "mfg", "revenue_share": "10"}
    assert first.owner == company.rep_east and first.status == CustomerStatus.PROSPECT
    assert sorted(t.name for t in first.tags.all()) == ["VIP", "新"]
    # The status by its Chinese label; without an owner the customer is the importer's.
    assert second.status == CustomerStatus.INACTIVE and second.owner == company.admin
    assert second.custom == {"industry": "retail"}


def test_custom_fields_by_their_label_in_an_excel_file(custom_fields):
    company = custom_fields
    content = xlsx(
        [["客户编码", "客户名称", "行业", "Revenue share"], ["X1", "表格客户", "mfg", 42.5]]
    )
    job = _check(company.admin, content, "c.xlsx")
    assert (job.mapping["cf_industry"], job.mapping["cf_revenue_share"]) == (
        "行业",
        "Revenue share",
    )

    import_job_run(actor=company.admin, job_id=job.pk)

    assert Customer.objects.get(code="X1").custom == {"industry": "mfg", "revenue_share": "42.5"}


def test_every_bad_row_is_listed_with_line_and_column_and_nothing_is_imported(custom_fields):
    company = custom_fields
    text = (
        "code,name,industry,revenue_share,owner,currency,status\n"
        "B1,好的,mfg,5,,,\n"
        "B2,坏行业,bank,5,,,\n"
        "B3,坏数字,mfg,lots,,,\n"
        "B4,缺行业,,,,,\n"
        "B5,无此人,mfg,,nobody,,\n"
        "B6,坏币种,mfg,,,XYZ,\n"
        "B7,已合并,mfg,,,,merged\n"
        "B8,超出范围,mfg,101,,,\n"
    )
    job = _check(company.admin, text.encode())
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (3, "industry", "custom_field.invalid"),
        (4, "revenue_share", "custom_field.invalid"),
        (5, "industry", "custom_field.invalid"),
        (6, "owner", "import.unknown_reference"),
        (7, "currency", "money.unknown_currency"),
        (8, "status", "import.choice"),
        (9, "revenue_share", "custom_field.invalid"),
    ]
    assert job.error_rows == 7

    with pytest.raises(DomainError) as refused:
        import_job_run(actor=company.admin, job_id=job.pk)

    assert refused.value.code.code == "import.invalid_rows"
    assert not Customer.objects.filter(code__startswith="B").exists()
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.PREVIEWED


def test_a_required_custom_field_without_a_column_is_every_rows_problem(custom_fields):
    job = _check(custom_fields.admin, "code,name\nN1,一\nN2,二\n".encode())
    assert [(e["line"], e["column"], e["code"]) for e in job.errors] == [
        (2, "cf_industry", "custom_field.invalid"),
        (3, "cf_industry", "custom_field.invalid"),
    ]
