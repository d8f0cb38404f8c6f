"""Pages of CPQ: quotes and their builder, and the catalog under /catalog/."""

from django.urls import path

from cashloop.cpq import views

app_name = "cpq"

urlpatterns = [
    path("quotes/", views.quote_list, name="quotes"),
    path("quotes/new/", views.quote_new, name="quote_new"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/builder/", views.quote_builder, name="quote_builder"),
    path("quotes/<int:pk>/recalc/", views.quote_recalc, name="quote_recalc"),
    path("quotes/<int:pk>/action/<str:action>/", views.quote_action, name="quote_action"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf_view, name="quote_pdf"),
    path("catalog/products/", views.product_list, name="product_list"),
    path("catalog/products/new/", views.product_form, name="product_new"),
    path("catalog/products/<int:pk>/", views.product_form, name="product_edit"),
    path("catalog/products/search/", views.product_search, name="product_search"),
    path("catalog/families/", views.family_list, name="family_list"),
    path("catalog/price-books/", views.price_book_list, name="price_book_list"),
    path("catalog/price-books/new/", views.price_book_form, name="price_book_new"),
    path("catalog/price-books/<int:pk>/", views.price_book_form, name="price_book_edit"),
    path("catalog/customer-prices/", views.customer_price_list, name="customer_price_list"),
    path(
        "catalog/customer-prices/<int:pk>/delete/",
        views.customer_price_delete,
        name="customer_price_delete",
    ),
    path("catalog/discount-rules/", views.discount_rule_list, name="discount_rule_list"),
    path("catalog/customer-groups/", views.customer_group_list, name="customer_group_list"),
]
