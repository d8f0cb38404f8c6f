"""Pages of contracts, under /contracts/."""

from django.urls import path

from cashloop.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("export/", views.contract_export, name="export"),
    path("new/", views.contract_create, name="create"),
    path("preview/", views.contract_preview, name="preview"),
    path("from-quote/<int:quote_id>/", views.contract_create_from_quote, name="create_from_quote"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("milestones/<int:milestone_id>/accept/", views.milestone_accept, name="milestone_accept"),
    path("<int:contract_id>/", views.contract_detail, name="detail"),
    path("<int:contract_id>/edit/", views.contract_edit, name="edit"),
    path("<int:contract_id>/activate/", views.contract_activate, name="activate"),
    path("<int:contract_id>/terminate/", views.contract_terminate, name="terminate"),
    path("<int:contract_id>/renew/", views.contract_renew, name="renew"),
    path("<int:contract_id>/amend/", views.amendment_create, name="amend"),
]
