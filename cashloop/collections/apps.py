"""App config for collections: dunning policies and levels, exclusions, the daily dunning
run, its preview, the dunning log and the collection tasks it creates (decision 047)."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "cashloop.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from cashloop.collections.tasks import dunning_daily
        from cashloop.core.schedule import DAILY, Job, schedule_register

        # Early morning: reminders are in the customer's inbox when the working day starts,
        # and the collectors find today's tasks waiting.
        schedule_register(Job("collections.dunning_daily", dunning_daily, DAILY, time(6, 0)))
        # Charges booked "when the customer pays": yesterday's payments, before the run.
        from cashloop.collections.tasks import dunning_charges_book_paid

        schedule_register(
            Job("collections.charges_book_paid", dunning_charges_book_paid, DAILY, time(5, 45))
        )
        # A dispute's credit note decided by approval settles the dispute (decision 051).
        from django.db.models.signals import post_save

        from cashloop.collections.signals import held_posting_saved
        from cashloop.receivables.models import HeldPosting

        post_save.connect(held_posting_saved, sender=HeldPosting, dispatch_uid="dispute_hold")
        # Before dunning: a promise kept or broken overnight already shows on the worklist.
        from cashloop.collections.tasks import promises_check

        schedule_register(Job("collections.promises_check", promises_check, DAILY, time(5, 30)))
        # Broken promises lower the credit score (decision 050).
        try:
            from cashloop.credit.scoring import score_factor_register
        except ImportError:  # pragma: no cover - credit control is installed with collections
            pass
        else:
            from cashloop.collections.selectors import broken_promises_factor

            score_factor_register(broken_promises_factor)
