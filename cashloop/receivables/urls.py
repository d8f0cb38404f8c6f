from django.urls import path

from cashloop.receivables import views

app_name = "receivables"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/export/", views.invoice_export, name="invoice_export"),
    path("payments/export/", views.payment_export, name="payment_export"),
    path("credit-notes/export/", views.credit_note_export, name="credit_note_export"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/preview/", views.invoice_preview, name="invoice_preview"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/ubl/", views.invoice_ubl, name="invoice_ubl"),
    path("invoicing-profile/", views.invoicing_profile, name="invoicing_profile"),
    path("invoices/<int:invoice_id>/cancel/", views.invoice_cancel, name="invoice_cancel"),
    path(
        "invoices/<int:invoice_id>/credit-note/",
        views.credit_note_create,
        name="credit_note_create",
    ),
    path(
        "installments/<int:installment_id>/write-off/",
        views.write_off_create,
        name="write_off_create",
    ),
    path("allocations/<int:allocation_id>/undo/", views.allocation_undo, name="allocation_undo"),
    path("credit-notes/", views.credit_note_list, name="credit_note_list"),
    path("credit-notes/<int:credit_note_id>/", views.credit_note_detail, name="credit_note_detail"),
    path(
        "credit-notes/<int:credit_note_id>/allocate/",
        views.credit_note_allocate,
        name="credit_note_allocate",
    ),
    path(
        "receivables/customers/<int:customer_id>/money/",
        views.customer_money,
        name="customer_money",
    ),
    path(
        "receivables/customers/<int:customer_id>/statement/",
        views.customer_statement,
        name="customer_statement",
    ),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:payment_id>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("payments/<int:payment_id>/refund/", views.payment_refund, name="payment_refund"),
]
