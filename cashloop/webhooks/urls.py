"""Pages of webhooks, under /settings/webhooks/."""

from django.urls import path

from cashloop.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("<int:subscription_id>/", views.subscription_detail, name="detail"),
    path("<int:subscription_id>/delete/", views.subscription_delete, name="delete"),
    path("deliveries/<int:delivery_id>/resend/", views.delivery_resend, name="resend"),
]
