"""Background tasks of customers: the public pool's daily sweep (decision 025)."""

from __future__ import annotations

from django_tasks import task

from cashloop.customers import services


@task()
def pool_sweep() -> int:
    """Return stale customers to the public pool; safe to run any number of times a day."""
    return services.pool_sweep()
