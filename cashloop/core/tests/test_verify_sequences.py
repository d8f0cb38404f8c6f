"""sequence_gaps: numbers past the zero-padded width still read as the highest."""

from datetime import date
from decimal import Decimal

from cashloop.core.models import Sequence
from cashloop.core.verify import sequence_gaps
from cashloop.receivables.models import Invoice
from tests.factories import CustomerFactory


def _invoices(customer, numbers):
    zero = Decimal(0)
    for number in numbers:
        Invoice.objects.create(
            customer=customer,
            number=number,
            currency="CNY",
            issue_date=date(2026, 1, 5),
            subtotal=zero,
            tax_total=zero,
            total=zero,
            base_total=zero,
            residual=zero,
        )


def test_a_number_one_digit_longer_is_the_highest(company):
    # As text "T-2026-9" sorts after "T-2026-10": the longest number is compared first.
    _invoices(CustomerFactory(), [f"T-2026-{n}" for n in range(1, 11)])
    Sequence.objects.create(series="T", year=2026, next_value=11)
    assert sequence_gaps("T", Invoice, "documents") == []


def test_a_gap_or_a_counter_ahead_is_reported(company):
    _invoices(CustomerFactory(), ["T-2026-1", "T-2026-3"])
    Sequence.objects.create(series="T", year=2026, next_value=4)
    assert sequence_gaps("T", Invoice, "documents") == [
        "T 2026: counter at 3, 2 documents, last number 3"
    ]
