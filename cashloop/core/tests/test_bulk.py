"""rows_update: per-row values of several types set in one statement, on both databases."""

from datetime import UTC, datetime

from cashloop.core.bulk import rows_update
from cashloop.customers.models import Customer
from tests.factories import CustomerFactory


def test_rows_update_sets_each_rows_own_values(company, django_assert_num_queries):
    first, second, untouched = (CustomerFactory(owner=company.rep_east) for _ in range(3))
    at = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    with django_assert_num_queries(1):
        rows_update(
            Customer,
            ["name", "owner", "payment_terms_days", "updated_at"],
            [
                (first.pk, "甲公司 Ltd.", company.rep_south.pk, 45, at),
                (second.pk, "乙公司", None, 0, at),
            ],
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, first.owner, first.payment_terms_days, first.updated_at) == (
        "甲公司 Ltd.",
        company.rep_south,
        45,
        at,
    )
    assert (second.name, second.owner, second.payment_terms_days) == ("乙公司", None, 0)
    assert Customer.objects.get(pk=untouched.pk).name == untouched.name
