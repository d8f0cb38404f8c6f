"""URL map: pages at /, the API at /api/v1/, the back office at /admin/."""

from django.contrib import admin
from django.urls import include, path

from cashloop.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cashloop.identity.urls")),
    path("customers/", include("cashloop.customers.urls")),
    path("ledger/", include("cashloop.ledger.urls")),
    path("", include("cashloop.receivables.urls")),
    path("reports/schedules/", include("cashloop.reports.schedule_urls")),
    path("reports/", include("cashloop.reports.urls")),
    path("banking/workbench/", include("cashloop.banking.workbench_urls")),
    path("banking/", include("cashloop.banking.urls")),
    path("sales/", include("cashloop.sales.urls")),
    path("settings/custom-fields/", include("cashloop.customfields.urls")),
    path("settings/webhooks/", include("cashloop.webhooks.urls")),
    path("settings/imports/", include("cashloop.imports.urls")),
    path("notifications/", include("cashloop.notifications.urls")),
    path("approvals/", include("cashloop.approvals.urls")),
    path("contracts/", include("cashloop.contracts.urls")),
    path("credit/", include("cashloop.credit.urls")),
    path("service/", include("cashloop.service.urls")),
    path("treasury/", include("cashloop.treasury.urls")),
    path("dunning/", include("cashloop.collections.urls")),
    path("collections/", include("cashloop.collections.worklist_urls")),
    path("", include("cashloop.cpq.urls")),
    path("revenue/", include("cashloop.contracts.recognition_urls")),
    path("billing/", include("cashloop.contracts.billing_urls")),
    path("", include("cashloop.knowledge.urls")),
    path("", include("cashloop.web.urls")),
]

handler403 = "cashloop.web.views.error_403"
handler404 = "cashloop.web.views.error_404"
handler500 = "cashloop.web.views.error_500"
