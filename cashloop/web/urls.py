from django.urls import path

from cashloop.web import search, views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/", views.settings_index, name="settings"),
    path("s/<slug:section>/", views.section, name="section"),
    path("search/", search.search_page, name="search"),
]
