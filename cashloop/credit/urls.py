"""Pages of credit control: the holds list and each customer's credit page."""

from django.urls import path

from cashloop.credit import views

app_name = "credit"

urlpatterns = [
    path("holds/", views.hold_list, name="holds"),
    path("customers/<int:customer_id>/", views.customer_credit, name="customer"),
    path("customers/<int:customer_id>/release/", views.release_request, name="release"),
    path("customers/<int:customer_id>/limit/", views.limit_change, name="limit"),
    path("customers/<int:customer_id>/signal/", views.signal_record, name="signal"),
]
