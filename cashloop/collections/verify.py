"""Checks of the dunning record for `cashloop verify`.

A run's items carry no foreign-key constraint (decision 071): what the constraints would
check at every run's commit, one row at a time, is checked here in one pass.  Every dunned
installment still exists, under a log that still exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from cashloop.collections.models import DunningLog, DunningLogItem
from cashloop.core.verify import CheckResult
from cashloop.receivables.models import Installment

LIMIT = 100


def dunned_installments_exist() -> CheckResult:
    items = DunningLogItem.objects.annotate(
        has_log=Exists(DunningLog.objects.filter(pk=OuterRef("log_id"))),
        has_installment=Exists(Installment.objects.filter(pk=OuterRef("installment_id"))),
    )
    result = CheckResult(
        "dunned installments exist, under their logs", checked=DunningLogItem.objects.count()
    )
    gone = items.filter(has_log=False) | items.filter(has_installment=False)
    for item in gone.order_by("pk")[:LIMIT]:
        missing = [
            f"{name} {key} is gone"
            for name, key, present in (
                ("log", item.log_id, item.has_log),
                ("installment", item.installment_id, item.has_installment),
            )
            if not present
        ]
        result.problems.append(f"dunned installment {item.pk}: {', '.join(missing)}")
    return result


CHECKS = [dunned_installments_exist]
