from django.urls import path

from cashloop.ledger import views

app_name = "ledger"
urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("entries/", views.entry_list, name="entries"),
    path("entries/vouchers.csv", views.vouchers_export, name="vouchers_export"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:entry_id>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("periods/", views.period_list, name="periods"),
    path("periods/<int:year>/<int:month>/close/", views.period_close, name="period_close"),
    path("periods/<int:year>/<int:month>/reopen/", views.period_reopen, name="period_reopen"),
    path("verify/", views.verify, name="verify"),
]
