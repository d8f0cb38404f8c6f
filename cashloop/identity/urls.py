from django.urls import path

from cashloop.identity import views

app_name = "identity"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/tokens/", views.token_list, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/roles/", views.role_list, name="roles"),
    path("settings/roles/new/", views.role_edit, name="role_create"),
    path("settings/roles/<int:role_id>/", views.role_edit, name="role_edit"),
    path("settings/roles/<int:role_id>/delete/", views.role_delete, name="role_delete"),
    path("settings/users/roles/", views.user_roles, name="user_roles"),
    path("customers/<int:customer_id>/shares/", views.share_create, name="share_create"),
    path("shares/<int:share_id>/delete/", views.share_delete, name="share_delete"),
]
