"""Pages of reports.  Each passes `section` so that the menu marks Reports as active."""

from django.urls import path, re_path

from cashloop.reports import views

app_name = "reports"
SECTION = {"section": "reports"}
urlpatterns = [
    path("", views.index, SECTION, name="index"),
    path("aging/", views.aging, SECTION, name="aging"),
    path("aging/items/", views.aging_items, SECTION, name="aging_items"),
    path(
        "collection-performance/",
        views.collection_performance,
        SECTION,
        name="collection_performance",
    ),
    re_path(r"^aging\.(?P<fmt>csv|xlsx)$", views.aging_export, SECTION, name="aging_export"),
    path("revenue/", views.revenue_report, SECTION, name="revenue"),
    path("revenue/documents/", views.revenue_documents, SECTION, name="revenue_documents"),
    re_path(r"^revenue\.(?P<fmt>csv|xlsx)$", views.revenue_export, SECTION, name="revenue_export"),
]
