"""Gapless document sequences: no gaps, no duplicates, also under concurrent issue."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import Sequence
from cashloop.core.sequences import sequence_next


def test_numbers_are_consecutive_per_series_and_year(db):
    with transaction.atomic():
        taken = [sequence_next(series="INV", year=2026) for _ in range(3)]
        other = sequence_next(series="INV", year=2027)
        credit = sequence_next(series="CN", year=2026)
    assert taken == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    assert other == "INV-2027-000001"
    assert credit == "CN-2026-000001"


def test_a_rolled_back_transaction_gives_its_number_back(db):
    with transaction.atomic():
        assert sequence_next(series="INV", year=2026) == "INV-2026-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        sequence_next(series="INV", year=2026)
        raise RuntimeError("the issuing failed")
    with transaction.atomic():
        assert sequence_next(series="INV", year=2026) == "INV-2026-000002"


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    with pytest.raises(DomainError) as exc:
        sequence_next(series="INV", year=2026)
    assert exc.value.code is CoreError.SEQUENCE_OUTSIDE_TRANSACTION
    assert not Sequence.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_skip_or_repeat_a_number():
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def issue(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                try:
                    with transaction.atomic():
                        number = sequence_next(series="INV", year=2026)
                        if (n + i) % 5 == 0:
                            raise RuntimeError("rolled back")
                    with lock:
                        results.append(number)
                except RuntimeError:
                    pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(results) == len(set(results))
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, len(results) + 1))
