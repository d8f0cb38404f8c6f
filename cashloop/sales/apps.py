"""App config for sales: leads, opportunities, pipelines and their stages."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "cashloop.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from cashloop.sales.search_providers import lead_hits, opportunity_hits
        from cashloop.web.search import register

        register("opportunities", _("Opportunities"), opportunity_hits, order=30)
        register("leads", _("Leads"), lead_hits, order=40)
        _register_customer_hooks()
        _register_schedule()


def _register_schedule() -> None:
    from cashloop.core.schedule import WEEKLY, Job, schedule_register
    from cashloop.sales.tasks import forecast_snapshot

    # Monday morning, before the week's forecast meetings.
    schedule_register(Job("sales.forecast_snapshot", forecast_snapshot, WEEKLY, time(6, 30)))


def _register_customer_hooks() -> None:
    """Open opportunities follow a customer hand-over; deals and leads follow a merge."""
    from cashloop.customers.hooks import (
        OPPORTUNITIES,
        HandOverHook,
        MergeHook,
        register_hand_over,
        register_merge,
    )
    from cashloop.sales import services

    register_hand_over(
        HandOverHook(
            key=OPPORTUNITIES,
            label=_("Open opportunities"),
            count=services.opportunity_open_count,
            move=services.opportunity_reassign_many,
        )
    )
    register_merge(
        MergeHook(
            key="sales",
            labels={"opportunities": _("Opportunities"), "leads": _("Converted leads")},
            count=services.customer_sales_count,
            move=services.customer_sales_merge,
        )
    )
