"""Checks of the dunning record for `cashloop verify`.

A run's items carry no foreign-key constraint (decision 071): what the constraints would
check at every run's commit, one row at a time, is checked here once for all the items.
Every dunned installment still exists, under a log that still exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from cashloop.collections.models import DunningLog, DunningLogItem
from cashloop.core.verify import LIMIT, CheckResult
from cashloop.receivables.models import Installment


def dunned_installments_exist() -> CheckResult:
    result = CheckResult(
        "dunned installments exist, under their logs", checked=DunningLogItem.objects.count()
    )
    # One anti-join per key: an OR of the two would test every item row by row.
    keys = (("log", DunningLog, "log_id"), ("installment", Installment, "installment_id"))
    for name, model, key in keys:
        gone = DunningLogItem.objects.filter(~Exists(model.objects.filter(pk=OuterRef(key))))
        for pk, missing in gone.order_by("pk").values_list("pk", key)[:LIMIT]:
            result.problems.append(f"dunned installment {pk}: {name} {missing} is gone")
    return result


CHECKS = [dunned_installments_exist]
