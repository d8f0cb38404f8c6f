"""Two reps claiming the same pool customer at once on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.db import connection

from cashloop.core.errors import DomainError
from cashloop.customers.errors import PoolError
from cashloop.customers.models import PoolEvent
from cashloop.customers.services import customer_claim
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reps_claim_one_customer_at_once():
    team = TeamFactory()
    reps = [UserFactory(team=team, roles=["sales_rep"]) for _ in range(4)]
    pooled = CustomerFactory(owner=None, team=None)
    barrier = threading.Barrier(len(reps))
    wins, refusals, crashes = [], [], []
    lock = threading.Lock()

    def claim(rep):
        try:
            barrier.wait()
            customer_claim(actor=rep, customer_id=pooled.pk)
            with lock:
                wins.append(rep.pk)
        except DomainError as exc:
            with lock:
                refusals.append(exc.code)
        except BaseException as exc:  # deadlocks and the like
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(rep,)) for rep in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert crashes == []
    assert len(wins) == 1
    assert refusals == [PoolError.NOT_IN_POOL] * (len(reps) - 1)
    pooled.refresh_from_db()
    assert pooled.owner_id == wins[0]
    assert PoolEvent.objects.filter(customer=pooled).count() == 1
