"""Background work of credit control: the daily check of holds and scores."""

from django_tasks import task

from cashloop.credit.services import credit_holds_evaluate


@task()
def credit_daily() -> dict[str, int]:
    """Place and release automatic holds, refresh scores; running twice changes nothing."""
    result = credit_holds_evaluate()
    return {"customers": result.customers, "placed": result.placed, "released": result.released}
